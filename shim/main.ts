/**
 * berth-shim: one process per container, started detached by the daemon.
 *
 *   deno run <scoped permissions> shim/main.ts STATE_DIR
 *
 * Reads STATE_DIR/shim.json, creates the container with the OCI runtime,
 * reports the init pid on stdout (one JSON line, then stdout is closed),
 * owns the container's stdio and log, reaps it, writes STATE_DIR/exit.json
 * and deletes it. The control socket serves the daemon meanwhile. The
 * contract is docs/shim-protocol.md.
 * @module
 */

import { writeFileAtomic } from "../protocol/atomic_write.ts";
import {
  encodeJsonLine,
  PROTOCOL_VERSION,
  SHIM_FILES,
  type ShimConfig,
  type ShimHandshake,
} from "../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";
import { ControlServer } from "./control_server.ts";
import { becomeSubreaper, closeOnExecAll, openLibc } from "./libc.ts";
import { ShimContainer } from "./shim_container.ts";

async function main(stateDir: string): Promise<number> {
  const config: ShimConfig = JSON.parse(
    await Deno.readTextFile(`${stateDir}/${SHIM_FILES.config}`),
  );
  const diagnostics = openDiagnostics(`${stateDir}/${SHIM_FILES.shimLog}`);
  if (config.protocol > PROTOCOL_VERSION) {
    return handshake({
      protocol: PROTOCOL_VERSION,
      ok: false,
      error: `shim speaks protocol ${PROTOCOL_VERSION}, config needs ${config.protocol}`,
    });
  }
  openLibc(config.libcPath);
  closeOnExecAll();
  becomeSubreaper();
  await writeFileAtomic(`${stateDir}/${SHIM_FILES.shimPid}`, `${Deno.pid}\n`, { durable: false });

  const containers = new Map<string, ShimContainer>();
  const container = new ShimContainer(config, diagnostics);
  containers.set(config.id, container);
  const control = new ControlServer(`${stateDir}/${SHIM_FILES.control}`, {
    ids: () => [...containers.keys()],
    status: (id) => containers.get(id)?.status(),
    start: (id) => {
      const target = containers.get(id);
      return target ? target.start() : Promise.reject(new Error(`no container ${id} in this shim`));
    },
  });

  let pid: number;
  try {
    pid = await container.create();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    diagnostics(message);
    control.close();
    await Deno.remove(`${stateDir}/${SHIM_FILES.control}`).catch(() => {});
    return handshake({ protocol: PROTOCOL_VERSION, ok: false, error: message });
  }
  handshake({ protocol: PROTOCOL_VERSION, ok: true, pid, shimPid: Deno.pid });

  await container.waitForExit((exit) => control.broadcast({ event: "exit", id: config.id, exit }));
  control.close();
  await Deno.remove(`${stateDir}/${SHIM_FILES.control}`).catch(() => {});
  return 0;
}

/** Write the one handshake line; the daemon may be gone (EPIPE is ignored). */
function handshake(message: ShimHandshake): number {
  try {
    Deno.stdout.writeSync(encodeJsonLine(message));
  } catch {
    // The daemon died meanwhile; the state dir tells the next one.
  }
  return message.ok ? 0 : 1;
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
  const stateDir = Deno.args[0];
  if (!stateDir) {
    console.error("usage: berth-shim STATE_DIR");
    Deno.exit(2);
  }
  Deno.exit(await main(stateDir));
}
