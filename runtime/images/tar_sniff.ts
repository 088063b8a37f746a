/**
 * Recognising an uploaded archive's compression (by magic bytes) and
 * undoing it.
 * @module
 */

import { Duplex } from "node:stream";
import { createZstdDecompress } from "node:zlib";
import { concatBytes } from "../../lib/bytes.ts";
import { BadRequest } from "../errors.ts";

/** Compression of a stream, from its first bytes. */
export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

const MAGIC: [Compression, number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/** The first bytes of a stream (at least `count` unless it ends sooner) and the whole stream again. */
export async function peekStream(
  body: ReadableStream<Uint8Array>,
  count: number,
): Promise<{ bytes: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let length = 0;
  while (length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    head.push(value);
    length += value.length;
  }
  const bytes = concatBytes(head);
  let pushedHead = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!pushedHead) {
        pushedHead = true;
        if (bytes.length > 0) {
          controller.enqueue(bytes);
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
  return { bytes, stream };
}

/** Peek at a stream's first bytes; returns the compression and the whole stream. */
export async function sniffCompression(
  body: ReadableStream<Uint8Array>,
): Promise<{ compression: Compression; stream: ReadableStream<Uint8Array> }> {
  const { bytes, stream } = await peekStream(body, 6);
  let compression: Compression = "none";
  for (const [kind, magic] of MAGIC) {
    if (magic.every((byte, index) => bytes[index] === byte)) compression = kind;
  }
  return { compression, stream };
}

/** The tar inside `body`: uncompressed, gzip or zstd (by its magic bytes). */
export async function decompressed(
  body: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const { compression, stream } = await sniffCompression(body);
  switch (compression) {
    case "none":
      return stream;
    case "gzip":
      return stream.pipeThrough(
        new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
      );
    case "zstd":
      return stream.pipeThrough(
        Duplex.toWeb(createZstdDecompress()) as unknown as TransformStream<Uint8Array, Uint8Array>,
      );
    default:
      await stream.cancel().catch(() => {});
      throw new BadRequest(
        "unsupported compression: layers must be uncompressed, gzip or zstd tars",
      );
  }
}
