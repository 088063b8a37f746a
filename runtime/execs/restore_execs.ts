/**
 * Execs after a daemon (re)start, from their shims' state dirs (in
 * `<run-root>/x`, or in `c/` for one that took a pooled shim): one still
 * running is followed again (inspect and its exit code work as before the
 * restart); one that ended while no daemon ran leaves nothing but its dir,
 * which goes; one whose shim died has its processes killed, then its dir
 * goes.
 * @module
 */

import { SHIM_FILES, type ShimConfig } from "../../protocol/shim_protocol.ts";
import { connectShim, readExitRecord } from "../shims/shim_state.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import type { ShimConnection } from "../shims/shim_client.ts";
import { type ExecRequest, newExec } from "./exec.ts";
import { killExecProcesses } from "./exec_processes.ts";
import { followExec } from "./follow_exec.ts";

/** The config of the exec a state dir holds, if it holds one. */
export async function execConfigIn(stateDir: string): Promise<ShimConfig | undefined> {
  try {
    const config: ShimConfig = JSON.parse(
      await Deno.readTextFile(`${stateDir}/${SHIM_FILES.config}`),
    );
    return config.exec ? config : undefined;
  } catch {
    return undefined;
  }
}

/** Restore or sweep every exec state dir. */
export async function restoreExecs(context: DaemonContext): Promise<void> {
  for (const dir of [`${context.flags.runRoot}/x`, `${context.flags.runRoot}/c`]) {
    for await (const entry of Deno.readDir(dir)) {
      const stateDir = `${dir}/${entry.name}`;
      const config = await execConfigIn(stateDir);
      if (!config) continue;
      await restoreExec(context, stateDir, config).catch((error) =>
        log.warn("restoring an exec failed", { id: config.id, error: errorMessage(error) })
      );
    }
  }
}

async function restoreExec(
  context: DaemonContext,
  stateDir: string,
  config: ShimConfig,
): Promise<void> {
  if (!(await readExitRecord(stateDir))) {
    let connection: ShimConnection | undefined;
    try {
      connection = await connectShim(stateDir);
      const status = await connection.status(config.id);
      if (status.state !== "exited") {
        followAgain(context, config, stateDir, connection, status.pid ?? 0);
        return;
      }
    } catch {
      connection?.close();
      const pid = Number(
        await Deno.readTextFile(`${stateDir}/${SHIM_FILES.initPid}`).catch(() => 0),
      );
      const killed = await killExecProcesses(context, config.exec!.containerId, pid);
      log.warn("an exec's shim died while no daemon ran: its processes were killed", {
        id: config.id,
        killed,
      });
    }
    connection?.close();
  }
  await Deno.remove(stateDir, { recursive: true });
}

/** Make a running exec known again, as docker's inspect shows it. */
function followAgain(
  context: DaemonContext,
  config: ShimConfig,
  stateDir: string,
  connection: ShimConnection,
  pid: number,
): void {
  const process = config.exec!.process as { args?: string[]; env?: string[]; cwd?: string };
  const request: ExecRequest = {
    Cmd: process.args ?? [],
    Env: process.env ?? [],
    WorkingDir: process.cwd,
    Tty: config.tty,
    AttachStdin: config.openStdin,
  };
  const exec = newExec(config.id, config.exec!.containerId, request);
  exec.started = true;
  exec.running = true;
  exec.pid = pid;
  exec.stateDir = stateDir;
  context.execs.add(exec);
  followExec(context, exec, connection, stateDir);
}
