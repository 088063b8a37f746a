/**
 * berth-shim: one process per container, started detached by the daemon.
 *
 *   deno run <scoped permissions> shim/main.ts STATE_DIR LIBC_PATH DAEMON_PID
 *
 * Boots into standby (its control socket served, one handshake line on
 * stdout), then on `create` runs the container with the OCI runtime, owns its
 * stdio and log, reaps it, writes STATE_DIR/exit.json and deletes it. The
 * contract is docs/shim-protocol.md.
 * @module
 */

import { writeFileAtomic } from "../protocol/atomic_write.ts";
import {
  encodeJsonLine,
  PROTOCOL_VERSION,
  SHIM_FILES,
  type ShimHandshake,
} from "../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";
import { becomeSubreaper, closeOnExecAll, openLibc } from "./libc.ts";
import { ShimSupervisor } from "./shim_supervisor.ts";

async function main(stateDir: string, libcPath: string, daemonPid: number): Promise<number> {
  const diagnostics = openDiagnostics(`${stateDir}/${SHIM_FILES.shimLog}`);
  let supervisor: ShimSupervisor;
  try {
    openLibc(libcPath);
    closeOnExecAll();
    becomeSubreaper();
    await writeFileAtomic(`${stateDir}/${SHIM_FILES.shimPid}`, `${Deno.pid}\n`, { durable: false });
    await Deno.writeTextFile(`${stateDir}/${SHIM_FILES.standby}`, "");
    supervisor = new ShimSupervisor(stateDir, daemonPid, diagnostics);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    diagnostics(message);
    handshake({ protocol: PROTOCOL_VERSION, ok: false, error: message });
    return 1;
  }
  handshake({ protocol: PROTOCOL_VERSION, ok: true, shimPid: Deno.pid });
  return await supervisor.done;
}

/** Write the one handshake line; the daemon may be gone (EPIPE is ignored). */
function handshake(message: ShimHandshake): void {
  try {
    Deno.stdout.writeSync(encodeJsonLine(message));
  } catch {
    // The daemon died meanwhile; the state dir tells the next one.
  }
}

function openDiagnostics(path: string): (message: string) => void {
  const encoder = new TextEncoder();
  return (message) => {
    try {
      Deno.writeFileSync(
        path,
        encoder.encode(`${formatRfc3339Nano(preciseNow())} ${message}\n`),
        { append: true },
      );
    } catch {
      // diagnostics are best effort
    }
  };
}

if (import.meta.main) {
  const [stateDir, libcPath, daemonPid] = Deno.args;
  if (!stateDir || !libcPath || !/^\d+$/.test(daemonPid ?? "")) {
    console.error("usage: berth-shim STATE_DIR LIBC_PATH DAEMON_PID");
    Deno.exit(2);
  }
  Deno.exit(await main(stateDir, libcPath, Number(daemonPid)));
}
