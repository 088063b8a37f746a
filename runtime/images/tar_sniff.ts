/**
 * Recognising what an uploaded archive is before extracting it: its
 * compression (by magic bytes) and whether it starts with a tar header.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";

/** Compression of a stream, from its first bytes. */
export type Compression = "none" | "gzip" | "unsupported";

const MAGIC: [Compression, number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["unsupported", [0x28, 0xb5, 0x2f, 0xfd]], // zstd
  ["unsupported", [0x42, 0x5a, 0x68]], // bzip2
  ["unsupported", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]], // xz
];

/** Peek at a stream's first bytes; returns the compression and the whole stream. */
export async function sniffCompression(
  body: ReadableStream<Uint8Array>,
): Promise<{ compression: Compression; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let length = 0;
  while (length < 6) {
    const { value, done } = await reader.read();
    if (done) break;
    head.push(value);
    length += value.length;
  }
  const first = concatBytes(head);
  let compression: Compression = "none";
  for (const [kind, magic] of MAGIC) {
    if (magic.every((byte, index) => first[index] === byte)) compression = kind;
  }
  let pushedHead = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!pushedHead) {
        pushedHead = true;
        if (first.length > 0) {
          controller.enqueue(first);
          return;
        }
      }
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { compression, stream };
}

/**
 * True when `block` starts with a tar header whose checksum is right, or
 * with an all-zero block (an empty archive).
 */
export function looksLikeTar(block: Uint8Array): boolean {
  if (block.length < 512) return false;
  const header = block.subarray(0, 512);
  if (header.every((byte) => byte === 0)) return true;
  const stored = parseInt(
    new TextDecoder().decode(header.subarray(148, 156)).replace(/\0.*$/s, "").trim(),
    8,
  );
  if (Number.isNaN(stored)) return false;
  let sum = 0;
  for (let index = 0; index < 512; index++) {
    sum += index >= 148 && index < 156 ? 0x20 : header[index];
  }
  return sum === stored;
}
