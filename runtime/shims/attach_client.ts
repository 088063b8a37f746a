/**
 * The daemon's side of a shim's attach socket: ask for streams, get the
 * connection on which output frames arrive and stdin is written.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";
import {
  type AttachReply,
  type AttachRequest,
  encodeJsonLine,
  SHIM_FILES,
} from "../../protocol/shim_protocol.ts";
import { writeAll } from "../../protocol/write_all.ts";

/** An open attach connection to a shim. */
export interface ShimAttachment {
  conn: Deno.UnixConn;
  /** Frame bytes that arrived with the reply line. */
  initial: Uint8Array;
}

/** The shim answered, and said no (e.g. too many attachers). */
export class AttachRefused extends Error {}

/** Connect to the attach socket in `stateDir`; throws with the shim's refusal. */
export async function attachToShim(
  stateDir: string,
  request: AttachRequest,
): Promise<ShimAttachment> {
  const conn = await Deno.connect({ transport: "unix", path: `${stateDir}/${SHIM_FILES.attach}` });
  try {
    await writeAll(conn, encodeJsonLine(request));
    let buffer: Uint8Array = new Uint8Array(0);
    for (;;) {
      const newline = buffer.indexOf(0x0a);
      if (newline >= 0) {
        const reply: AttachReply = JSON.parse(
          new TextDecoder().decode(buffer.subarray(0, newline)),
        );
        if (!reply.ok) throw new AttachRefused(reply.error);
        return { conn, initial: buffer.slice(newline + 1) };
      }
      const chunk = new Uint8Array(4096);
      const count = await conn.read(chunk);
      if (count === null) throw new Error("the shim closed the attach socket");
      buffer = concatBytes([buffer, chunk.subarray(0, count)]);
    }
  } catch (error) {
    conn.close();
    throw error;
  }
}
