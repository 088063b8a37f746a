import { deepStrictEqual } from "node:assert/strict";
import { escapeJsonBytes, maxEscapedLength, utf8SafeSplit } from "../../shim/json_escape.ts";

function escape(bytes: Uint8Array): string {
  const out = new Uint8Array(maxEscapedLength(bytes.length));
  const end = escapeJsonBytes(bytes, 0, bytes.length, out, 0);
  return new TextDecoder().decode(out.subarray(0, end));
}

Deno.test("escaping matches JSON.stringify for valid UTF-8", () => {
  const samples = [
    "plain",
    'quote " and \\ backslash',
    "tab\tnew\nline\rcr",
    "\u0000\u0001\u001f\u007f",
    "héllo wörld",
    "日本語",
    "emoji 😀 🐳",
    "",
  ];
  for (const sample of samples) {
    const escaped = escape(new TextEncoder().encode(sample));
    deepStrictEqual(JSON.parse(`"${escaped}"`), sample);
  }
});

Deno.test("random valid strings round-trip through JSON.parse", () => {
  for (let round = 0; round < 200; round++) {
    const codePoints = Array.from({ length: 50 }, () => {
      const kind = Math.random();
      if (kind < 0.5) return Math.floor(Math.random() * 128);
      if (kind < 0.8) return 0x80 + Math.floor(Math.random() * 0x700);
      if (kind < 0.95) return 0xe000 + Math.floor(Math.random() * 0x1000);
      return 0x10000 + Math.floor(Math.random() * 0x1000);
    });
    const text = String.fromCodePoint(...codePoints);
    deepStrictEqual(JSON.parse(`"${escape(new TextEncoder().encode(text))}"`), text);
  }
});

Deno.test("invalid UTF-8 bytes become U+FFFD one by one, as Go's encoder does", () => {
  const bytes = new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82, 0x63, 0xed, 0xa0, 0x80, 0xc0, 0xaf]);
  deepStrictEqual(
    JSON.parse(`"${escape(bytes)}"`),
    "a\ufffdb\ufffd\ufffdc\ufffd\ufffd\ufffd\ufffd\ufffd",
  );
});

Deno.test("utf8SafeSplit never cuts a multi-byte character", () => {
  const bytes = new TextEncoder().encode("ab日本");
  // "日" occupies bytes 2..4: a split at 3 or 4 moves back to 2.
  deepStrictEqual(utf8SafeSplit(bytes, 3), 2);
  deepStrictEqual(utf8SafeSplit(bytes, 4), 2);
  deepStrictEqual(utf8SafeSplit(bytes, 5), 5);
  deepStrictEqual(utf8SafeSplit(bytes, 100), bytes.length);
});
