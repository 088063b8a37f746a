import { deepStrictEqual, rejects } from "node:assert/strict";
import { zstdCompressSync } from "node:zlib";
import { decompressed, sniffCompression } from "../../runtime/images/tar_sniff.ts";

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

Deno.test("compression is recognised and the stream is replayed whole", async () => {
  const gzip = new Uint8Array([0x1f, 0x8b, 8, 0]);
  const rest = new Uint8Array([1, 2, 3]);
  const sniffed = await sniffCompression(streamOf(gzip.subarray(0, 1), gzip.subarray(1), rest));
  deepStrictEqual(sniffed.compression, "gzip");
  deepStrictEqual(
    new Uint8Array(await new Response(sniffed.stream).arrayBuffer()),
    new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]),
  );
  deepStrictEqual(
    (await sniffCompression(streamOf(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])))).compression,
    "zstd",
  );
  deepStrictEqual(
    (await sniffCompression(streamOf(new Uint8Array([0x41, 0x42])))).compression,
    "none",
  );
});

Deno.test("gzip and zstd layers are decompressed; xz is refused", async () => {
  const original = new TextEncoder().encode("layer bytes ".repeat(1000));
  const gzip = new Uint8Array(
    await new Response(
      new Blob([original]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const zstd = new Uint8Array(zstdCompressSync(original));
  for (const packed of [original, gzip, zstd]) {
    const out = await new Response(await decompressed(streamOf(packed))).arrayBuffer();
    deepStrictEqual(new Uint8Array(out), original);
  }
  const xz = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]);
  await rejects(decompressed(streamOf(xz)), /unsupported compression/);
});
