/**
 * Rebuilding the live view after a daemon (re)start. The records on disk
 * and the shims' state dirs are the truth: a container whose shim lives is
 * followed again; one that exited meanwhile gets its real exit code and
 * time from the exit record; one whose shim died is killed and gets 255.
 * @module
 */

import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import type { Container } from "./container.ts";
import { releaseRuntimeResources, superviseShim } from "./monitor.ts";
import { finishRemoval } from "./remove.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Restore every container; they are handled concurrently. */
export async function restoreContainers(context: DaemonContext): Promise<void> {
  await Promise.all(
    context.containers.list().map((container) =>
      restoreContainer(context, container).catch((error) =>
        log.error("restoring a container failed", {
          id: container.id,
          error: errorMessage(error),
        })
      )
    ),
  );
}

async function restoreContainer(context: DaemonContext, container: Container): Promise<void> {
  if (container.state.Status === "removing") {
    container.removing = true;
    await finishRemoval(context, container);
    return;
  }
  const hasShim = await exists(shimStateDir(context, container.id));
  if (!container.isRunning && !hasShim) {
    // A stopped container holds nothing; make sure of it.
    await releaseRuntimeResources(context, container);
    return;
  }
  const status = await superviseShim(context, container);
  if (!status || container.isRunning) return;
  if (status.state === "running") {
    // The daemon died between the start and recording it.
    container.record.state = {
      ...container.state,
      Status: "running",
      Pid: status.pid ?? 0,
      Error: "",
      ExitCode: 0,
      StartedAt: formatRfc3339Nano(preciseNow()),
    };
    await container.save();
    return;
  }
  if (status.state !== "created") return;
  // Created but never started: undo the start.
  const exited = container.once((event) => event === "exit");
  await context.runtimes.driver(container.record.runtime).delete(container.id).catch(() => {});
  await exited.promise;
  container.record.state = {
    ...container.state,
    Error: "the start was interrupted by a daemon restart",
  };
  await container.save();
}
