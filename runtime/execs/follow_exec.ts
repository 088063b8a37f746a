/**
 * Following a started exec through its shim until its exit code is known,
 * then removing its state dir. A shim that dies without an exit record
 * takes its exec's processes with it (they are killed) and leaves exit
 * code 255, as a container's would.
 * @module
 */

import { containerEvent } from "../containers/container_events.ts";
import { readExitRecord } from "../shims/shim_state.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import type { ShimConnection } from "../shims/shim_client.ts";
import type { Exec } from "./exec.ts";
import { killExecProcesses } from "./exec_processes.ts";
import { withTimeout } from "../../lib/timeout.ts";

/** How long a shim may take to close after its exec's exit. */
const SHIM_FINISH_TIMEOUT_MS = 10_000;

/** Follow an exec's shim: its exit code (an `exec_die` event), then its state dir goes. */
export function followExec(
  context: DaemonContext,
  exec: Exec,
  connection: ShimConnection,
  stateDir: string,
): void {
  (async () => {
    let exit = await connection.waitForExit();
    exit ??= await readExitRecord(stateDir);
    if (!exit) {
      const killed = await killExecProcesses(context, exec.containerId, exec.pid);
      log.warn("an exec's shim died: its processes were killed", { id: exec.id, killed });
    }
    const exitCode = exit?.exitCode ?? 255;
    exec.markExited(exitCode);
    const container = context.containers.find(exec.containerId);
    if (container) {
      containerEvent(context, container, "exec_die", {
        execID: exec.id,
        exitCode: String(exitCode),
      });
    }
    await withTimeout(connection.closed, SHIM_FINISH_TIMEOUT_MS);
    connection.close();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  })().catch((error) =>
    log.warn("following an exec failed", { id: exec.id, error: errorMessage(error) })
  );
}
