/**
 * Docker's multiplexed stream framing (no tty): each frame is an 8-byte
 * header [stream, 0, 0, 0, size as big-endian uint32] and the payload.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";

/** Stream ids in the frame header. */
export const STREAM_IDS = { stdin: 0, stdout: 1, stderr: 2 } as const;

/** Frame `payload` for `stream`. */
export function frame(stream: keyof typeof STREAM_IDS, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out[0] = STREAM_IDS[stream];
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

/** Content types of stream answers. */
export const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
export const RAW_STREAM = "application/vnd.docker.raw-stream";

/** Turns a stream of frames into their payloads, stdout and stderr in order. */
export class FrameReader {
  #pending = new Uint8Array(0);

  payloads(bytes: Uint8Array): Uint8Array {
    const data = this.#pending.length ? concatBytes([this.#pending, bytes]) : bytes;
    const parts: Uint8Array[] = [];
    let offset = 0;
    while (data.length - offset >= 8) {
      const size = new DataView(data.buffer, data.byteOffset + offset + 4, 4).getUint32(0);
      if (data.length - offset - 8 < size) break;
      parts.push(data.subarray(offset + 8, offset + 8 + size));
      offset += 8 + size;
    }
    this.#pending = data.slice(offset);
    return concatBytes(parts);
  }
}
