/**
 * A shim's state dir as the daemon reads it: the exit record it wrote,
 * whether it still answers, and a hello on its control socket.
 * @module
 */

import { type ExitRecord, SHIM_FILES } from "../../protocol/shim_protocol.ts";
import { ShimConnection } from "./shim_client.ts";

/** Read a shim's exit record, if it wrote one. */
export async function readExitRecord(stateDir: string): Promise<ExitRecord | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${stateDir}/${SHIM_FILES.exit}`));
  } catch {
    return undefined;
  }
}

/** True when a shim still answers on its control socket. */
export async function shimAlive(stateDir: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({
      transport: "unix",
      path: `${stateDir}/${SHIM_FILES.control}`,
    });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Connect to a container's shim and say hello; throws when it does not answer. */
export async function connectShim(stateDir: string): Promise<ShimConnection> {
  const connection = await ShimConnection.connect(`${stateDir}/${SHIM_FILES.control}`);
  try {
    await connection.hello();
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}
