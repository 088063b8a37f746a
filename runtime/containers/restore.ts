/**
 * Rebuilding the live view after a daemon (re)start. The records on disk
 * and the shims' state dirs are the truth: a container whose shim lives is
 * followed again; one that exited meanwhile gets its real exit code and
 * time from the exit record; one whose shim died is killed and gets 255.
 * @module
 */

import { SHIM_FILES } from "../../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import { discardStandbyShim, shutdownShim, shutdownStandbyShim } from "../shims/shim_launcher.ts";
import type { Container } from "./container.ts";
import { startHealthMonitor } from "./health.ts";
import { releaseRuntimeResources, superviseShim } from "./monitor.ts";
import { finishRemoval } from "./remove.ts";
import { reserveEndpoints } from "../networks/container_network.ts";
import { execConfigIn, restoreExecs } from "../execs/restore_execs.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Restore every container (concurrently) and exec, then drop shim dirs nobody owns. */
export async function restoreContainers(context: DaemonContext): Promise<void> {
  // Addresses and ports first: a container released below frees its own.
  for (const container of context.containers.list()) reserveEndpoints(context, container);
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
  await restoreExecs(context);
  await removeOrphanShims(context);
}

/**
 * Standby shims of a pool whose daemon is gone have no container record:
 * tell them to quit and remove their dirs.
 */
async function removeOrphanShims(context: DaemonContext): Promise<void> {
  const dir = `${context.flags.runRoot}/c`;
  for await (const entry of Deno.readDir(dir)) {
    const container = context.containers.find(entry.name);
    if (container?.id === entry.name) continue;
    // A pooled shim's dir that an exec took (and still runs in).
    if (await execConfigIn(`${dir}/${entry.name}`)) continue;
    await discardStandbyShim(`${dir}/${entry.name}`);
  }
}

async function restoreContainer(context: DaemonContext, container: Container): Promise<void> {
  if (container.state.Status === "removing") {
    // Records written before removals stopped persisting this status.
    container.removing = true;
    await finishRemoval(context, container, {
      volumes: container.record.hostConfig.AutoRemove,
    });
    return;
  }
  const stateDir = shimStateDir(context, container.id);
  const hasShim = await exists(stateDir);
  if (
    !container.isRunning && hasShim &&
    (await shutdownStandbyShim(stateDir) || !(await exists(`${stateDir}/${SHIM_FILES.config}`)))
  ) {
    // A pooled shim (alive or gone) that never got its container: the next
    // start makes another.
    await releaseRuntimeResources(context, container);
    return;
  }
  if (!container.isRunning && !hasShim) {
    // A stopped container holds nothing; make sure of it.
    await releaseRuntimeResources(context, container);
    return;
  }
  const status = await superviseShim(context, container);
  if (status && container.isRunning) {
    startHealthMonitor(context, container, { resume: true });
    return;
  }
  if (!status) return;
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
    startHealthMonitor(context, container);
    return;
  }
  if (status.state !== "created") return;
  // Created but never started: undo the start. Without a pid the runtime
  // has nothing yet (it runs the container at start): the shim just quits.
  const exited = container.once((event) => event === "exit");
  if (status.pid) {
    await context.runtimes.driver(container.record.runtime).delete(container.id).catch(() => {});
  } else {
    await shutdownShim(stateDir);
  }
  await exited.promise;
  container.record.state = {
    ...container.state,
    Error: "the start was interrupted by a daemon restart",
  };
  await container.save();
}
