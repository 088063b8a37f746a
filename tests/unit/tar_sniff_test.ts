import { deepStrictEqual } from "node:assert/strict";
import { looksLikeTar, sniffCompression } from "../../runtime/images/tar_sniff.ts";

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
    "unsupported",
  );
  deepStrictEqual(
    (await sniffCompression(streamOf(new Uint8Array([0x41, 0x42])))).compression,
    "none",
  );
});

Deno.test("a tar header is recognised by its checksum", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "x");
  const tar = await new Deno.Command("tar", {
    args: ["-C", dir, "-cf", "-", "file"],
    stdout: "piped",
  }).output();
  deepStrictEqual(looksLikeTar(tar.stdout), true);
  const corrupted = tar.stdout.slice();
  corrupted[10] ^= 0xff;
  deepStrictEqual(looksLikeTar(corrupted), false);
  deepStrictEqual(looksLikeTar(new Uint8Array(512)), true); // an empty archive
  deepStrictEqual(looksLikeTar(new TextEncoder().encode("hello".repeat(200))), false);
  deepStrictEqual(looksLikeTar(new Uint8Array(100)), false);
  await Deno.remove(dir, { recursive: true });
});
