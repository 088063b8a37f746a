/**
 * Writing to a node stream with its backpressure: wait for 'drain' when
 * the write says the buffer is full.
 * @module
 */

import type { Writable } from "node:stream";

/** Write `data`, waiting while `stream` is full; false once it is gone. */
export function writeWaiting(stream: Writable, data: Uint8Array): Promise<boolean> {
  if (stream.destroyed) return Promise.resolve(false);
  if (stream.write(data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}
