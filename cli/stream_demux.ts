/**
 * Splitting docker's multiplexed stream (8-byte frame headers) back into
 * stdout and stderr.
 * @module
 */

import { concatBytes } from "../lib/bytes.ts";

/** Where demultiplexed output goes. */
export interface DemuxTarget {
  stdout(chunk: Uint8Array): void | Promise<void>;
  stderr(chunk: Uint8Array): void | Promise<void>;
}

/** Read a multiplexed (or, with `raw`, a plain) stream to its end. */
export async function demultiplex(
  body: ReadableStream<Uint8Array>,
  target: DemuxTarget,
  raw: boolean,
): Promise<void> {
  const reader = body.getReader();
  let pending = new Uint8Array(0);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (raw) {
        await target.stdout(value);
        continue;
      }
      const data = pending.length ? concatBytes([pending, value]) : value;
      let offset = 0;
      while (data.length - offset >= 8) {
        const size = new DataView(data.buffer, data.byteOffset + offset + 4, 4).getUint32(0);
        if (data.length - offset - 8 < size) break;
        const payload = data.subarray(offset + 8, offset + 8 + size);
        if (data[offset] === 2) await target.stderr(payload);
        else await target.stdout(payload);
        offset += 8 + size;
      }
      pending = data.slice(offset);
    }
  } finally {
    reader.releaseLock();
  }
}
