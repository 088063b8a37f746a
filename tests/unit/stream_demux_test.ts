import { deepStrictEqual } from "node:assert/strict";
import { concatBytes } from "../../lib/bytes.ts";
import { demultiplex } from "../../cli/stream_demux.ts";
import { frame, FrameReader, FrameSplitter } from "../../protocol/stream_framing.ts";

/** The stream cut into pieces at `cuts` (offsets into the whole). */
function cutInto(whole: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, whole.length]) {
    pieces.push(whole.slice(start, cut));
    start = cut;
  }
  return ReadableStream.from(pieces);
}

async function collect(body: ReadableStream<Uint8Array>, raw = false) {
  const got = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  await demultiplex(body, {
    stdout: (chunk) => void got.stdout.push(chunk.slice()),
    stderr: (chunk) => void got.stderr.push(chunk.slice()),
  }, raw);
  return { stdout: concatBytes(got.stdout), stderr: concatBytes(got.stderr) };
}

const bytes = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff);

Deno.test("frames split anywhere, headers included, come out whole and in order", async () => {
  const out1 = bytes(70_000, 1), err = bytes(300, 2), out2 = bytes(5, 3);
  const whole = concatBytes([
    frame("stdout", out1),
    frame("stderr", err),
    frame("stdout", new Uint8Array(0)),
    frame("stdout", out2),
  ]);
  const expected = { stdout: concatBytes([out1, out2]), stderr: err };
  // Every cut point inside the headers and around the frame boundaries.
  const boundaries = [0, 8 + 70_000, 16 + 70_300, 24 + 70_300];
  for (const boundary of boundaries) {
    for (let shift = -3; shift <= 11; shift++) {
      const cut = boundary + shift;
      if (cut <= 0 || cut >= whole.length) continue;
      deepStrictEqual(await collect(cutInto(whole, [cut])), expected, `cut at ${cut}`);
    }
  }
  const everyByte = Array.from({ length: 400 }, (_, index) => 70_000 + index);
  deepStrictEqual(await collect(cutInto(whole, everyByte)), expected);
});

Deno.test("a raw (tty) stream is passed through as stdout", async () => {
  const data = bytes(1000, 4);
  deepStrictEqual(await collect(cutInto(data, [10, 500]), true), {
    stdout: data,
    stderr: new Uint8Array(0),
  });
});

Deno.test("the shim's frames read back to their payloads however they are cut", () => {
  const text = new TextEncoder();
  const framed = concatBytes([
    frame("stdout", text.encode("out one ")),
    frame("stderr", text.encode("err")),
    frame("stdout", new Uint8Array(0)),
    frame("stdout", text.encode("out two")),
  ]);
  for (let cut = 1; cut <= framed.length; cut++) {
    const reader = new FrameReader();
    const splitter = new FrameSplitter();
    const seen: string[] = [];
    let joined = "";
    for (let offset = 0; offset < framed.length; offset += cut) {
      const piece = framed.subarray(offset, offset + cut);
      joined += new TextDecoder().decode(reader.payloads(piece));
      for (const part of splitter.push(piece)) {
        seen.push(`${part.streamId}:${new TextDecoder().decode(part.bytes)}`);
      }
    }
    deepStrictEqual(joined, "out one errout two", `cut ${cut}`);
    deepStrictEqual(
      seen.filter((part) => part.startsWith("2:")).map((part) => part.slice(2)).join(""),
      "err",
      `cut ${cut}`,
    );
  }
});
