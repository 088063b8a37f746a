/**
 * POST /containers/{id}/resize and /exec/{id}/resize: the pty's window
 * size, set by the shim that holds its master.
 * @module
 */

import { SHIM_FILES } from "../../protocol/shim_protocol.ts";
import { BadRequest, Conflict } from "../errors.ts";
import { ShimConnection } from "../shims/shim_client.ts";

/** The h and w parameters; 400 when they are not sizes. */
export function windowSize(h: string | null, w: string | null): { rows: number; cols: number } {
  const rows = Number(h ?? "0"), cols = Number(w ?? "0");
  if (
    !Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 65535 ||
    cols > 65535
  ) {
    throw new BadRequest(`invalid window size: h=${h} w=${w}`);
  }
  return { rows, cols };
}

/** Ask the shim in `stateDir` to resize the pty of `id`. */
export async function resizePty(
  stateDir: string,
  id: string,
  size: { rows: number; cols: number },
): Promise<void> {
  if (size.rows === 0 || size.cols === 0) return;
  let connection: ShimConnection;
  try {
    connection = await ShimConnection.connect(`${stateDir}/${SHIM_FILES.control}`);
  } catch {
    throw new Conflict(`${id} is not running`);
  }
  try {
    await connection.resize(id, size.rows, size.cols);
  } finally {
    connection.close();
  }
}
