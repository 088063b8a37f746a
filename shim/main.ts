/**
 * berth-shim: started detached by the daemon, hosting one container (or
 * exec) per state dir it is given: a shim group.
 *
 *   deno run <scoped permissions> shim/main.ts STATE_DIR LIBC_PATH DAEMON_PID [STATE_DIR...]
 *
 * Boots into standby (a control socket served in every state dir, one
 * handshake line on stdout), then on `create` in a state dir runs that
 * container with the OCI runtime, owns its stdio and log, reaps it, writes
 * STATE_DIR/exit.json and deletes it. It exits once every state dir is done.
 * The contract is docs/shim-protocol.md.
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
import { writeAllSync } from "../protocol/write_all.ts";

async function main(stateDirs: string[], libcPath: string, daemonPid: number): Promise<number> {
  const supervisors: ShimSupervisor[] = [];
  try {
    openLibc(libcPath);
    closeOnExecAll();
    becomeSubreaper();
    for (const stateDir of stateDirs) {
      await writeFileAtomic(`${stateDir}/${SHIM_FILES.shimPid}`, `${Deno.pid}\n`, {
        durable: false,
      });
      await Deno.writeTextFile(`${stateDir}/${SHIM_FILES.standby}`, "");
      const diagnostics = openDiagnostics(`${stateDir}/${SHIM_FILES.shimLog}`);
      supervisors.push(new ShimSupervisor(stateDir, daemonPid, diagnostics));
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    openDiagnostics(`${stateDirs[0]}/${SHIM_FILES.shimLog}`)(message);
    handshake({ protocol: PROTOCOL_VERSION, ok: false, error: message });
    return 1;
  }
  handshake({ protocol: PROTOCOL_VERSION, ok: true, shimPid: Deno.pid });
  const statuses = await Promise.all(supervisors.map((supervisor) => supervisor.done));
  return statuses.find((status) => status !== 0) ?? 0;
}

/** Write the one handshake line; the daemon may be gone (EPIPE is ignored). */
function handshake(message: ShimHandshake): void {
  try {
    writeAllSync(Deno.stdout, encodeJsonLine(message));
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
  const [stateDir, libcPath, daemonPid, ...moreStateDirs] = Deno.args;
  if (!stateDir || !libcPath || !/^\d+$/.test(daemonPid ?? "")) {
    console.error("usage: berth-shim STATE_DIR LIBC_PATH DAEMON_PID [STATE_DIR...]");
    Deno.exit(2);
  }
  Deno.exit(await main([stateDir, ...moreStateDirs], libcPath, Number(daemonPid)));
}
