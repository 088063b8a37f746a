import { deepStrictEqual, ok } from "node:assert/strict";
import { MAX_LOG_LINE } from "../../protocol/container_log.ts";
import { LogEncoder } from "../../shim/log_encoder.ts";

const TIME = "2026-11-28T00:00:00.000000001Z";
const decoder = new TextDecoder();

/** What the encoder must write for one line: JSON.stringify of the decoded text. */
function expectedEntry(bytes: Uint8Array, stream = "stdout"): string {
  const log = JSON.stringify(decoder.decode(bytes));
  return `{"log":${log},"stream":"${stream}","time":"${TIME}"}\n`;
}

function encodeAll(encoder: LogEncoder, chunks: Uint8Array[]): string {
  let text = "";
  for (const chunk of chunks) text += decoder.decode(encoder.encode("stdout", chunk, TIME));
  return text + decoder.decode(encoder.flush("stdout", TIME));
}

/** Random bytes, biased to what needs care: control bytes, quotes, UTF-8 and broken UTF-8. */
function randomOutput(length: number, seed: number): Uint8Array {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pieces = [
    [0x0a],
    [0x00],
    [0x22],
    [0x5c],
    [0x09],
    [0x1b],
    [0x7f],
    [0xc3, 0xa9],
    [0xe2, 0x82, 0xac],
    [0xf0, 0x9f, 0x98, 0x80],
    [0xe2, 0x82],
    [0xff],
    [0xed, 0xa0, 0x80],
    [0x61, 0x62, 0x63],
  ];
  const bytes: number[] = [];
  while (bytes.length < length) bytes.push(...pieces[Math.floor(next() * pieces.length)]);
  return new Uint8Array(bytes);
}

Deno.test("entries are byte for byte what JSON.stringify of the decoded line gives", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const output = randomOutput(4000, seed);
    // Cut the output into random chunks: a line or a character may straddle two.
    const chunks: Uint8Array[] = [];
    for (let at = 0, size = seed; at < output.length; at += size, size = (size * 7) % 97 + 1) {
      chunks.push(output.subarray(at, at + size));
    }
    const expected: string[] = [];
    let start = 0;
    for (let index = 0; index < output.length; index++) {
      if (output[index] === 0x0a) {
        expected.push(expectedEntry(output.subarray(start, index + 1)));
        start = index + 1;
      }
    }
    if (start < output.length) expected.push(expectedEntry(output.subarray(start)));
    deepStrictEqual(encodeAll(new LogEncoder(), chunks), expected.join(""), `seed ${seed}`);
  }
});

Deno.test("long lines become pieces of at most 16 KiB, never cut inside a character", () => {
  const euro = new TextEncoder().encode("€".repeat(MAX_LOG_LINE)); // 3 bytes each
  const line = new Uint8Array([...euro, 0x0a]);
  const text = encodeAll(new LogEncoder(), [line.subarray(0, 5000), line.subarray(5000)]);
  const entries = text.trimEnd().split("\n").map((entry) => JSON.parse(entry));
  ok(entries.length >= 3);
  for (const entry of entries) {
    ok(new TextEncoder().encode(entry.log).length <= MAX_LOG_LINE);
    ok(!entry.log.includes("\uFFFD"));
  }
  deepStrictEqual(entries.map((entry) => entry.log).join(""), "€".repeat(MAX_LOG_LINE) + "\n");
});

Deno.test("runs of one escaped byte (zeros) are written whole", () => {
  const zeros = new Uint8Array(MAX_LOG_LINE * 2 + 5);
  const entries = encodeAll(new LogEncoder(), [zeros]).trimEnd().split("\n")
    .map((entry) => JSON.parse(entry).log);
  deepStrictEqual(entries.map((log) => log.length), [MAX_LOG_LINE, MAX_LOG_LINE, 5]);
  ok(entries.every((log) => /^\0*$/.test(log)));
});

Deno.test("k8s-file entries: TIME STREAM F|P and the raw bytes, pieces of at most 16 KiB", () => {
  const encoder = new LogEncoder("k8s-file");
  const bytes = (text: string) => new TextEncoder().encode(text);
  let text = decoder.decode(encoder.encode("stdout", bytes('a "quoted"\ttab\nsecond'), TIME));
  text += decoder.decode(encoder.encode("stderr", bytes("err\n"), TIME));
  text += decoder.decode(encoder.encode("stdout", bytes(" line\n"), TIME));
  text += decoder.decode(encoder.encode("stdout", new Uint8Array(MAX_LOG_LINE + 3), TIME));
  text += decoder.decode(encoder.flush("stdout", TIME));
  const lines = text.split("\n");
  deepStrictEqual(lines.slice(0, 3), [
    `${TIME} stdout F a "quoted"\ttab`,
    `${TIME} stderr F err`,
    `${TIME} stdout F second line`,
  ]);
  deepStrictEqual(lines[3], `${TIME} stdout P ${"\0".repeat(MAX_LOG_LINE)}`);
  deepStrictEqual(lines[4], `${TIME} stdout P \0\0\0`);
  deepStrictEqual(lines.length, 6); // the last entry ends with a newline
});
