/**
 * Byte-level JSON string escaping for log lines, in one pass and without
 * decoding to a JS string: valid UTF-8 is copied, invalid bytes become
 * U+FFFD, control characters are escaped.
 * @module
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = new TextEncoder().encode("0123456789abcdef");
const REPLACEMENT = [0xef, 0xbf, 0xbd];

/** Escape sequences for ASCII bytes that need one; undefined = copy as is. */
const ASCII_ESCAPES: (Uint8Array | undefined)[] = [];
for (let byte = 0; byte < 0x80; byte++) {
  let escape: string | undefined;
  if (byte === QUOTE) escape = '\\"';
  else if (byte === BACKSLASH) escape = "\\\\";
  else if (byte === 0x0a) escape = "\\n";
  else if (byte === 0x0d) escape = "\\r";
  else if (byte === 0x09) escape = "\\t";
  else if (byte < 0x20 || byte === 0x7f) {
    escape = "\\u00" + String.fromCharCode(HEX[byte >> 4], HEX[byte & 15]);
  }
  ASCII_ESCAPES.push(escape === undefined ? undefined : new TextEncoder().encode(escape));
}

/** Length of a valid UTF-8 sequence starting at `offset`, or 0 when invalid. */
function utf8SequenceLength(bytes: Uint8Array, offset: number, end: number): number {
  const lead = bytes[offset];
  let length: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (offset + length > end) return 0;
  let codePoint = lead & (0xff >> (length + 1));
  for (let index = 1; index < length; index++) {
    const next = bytes[offset + index];
    if ((next & 0xc0) !== 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  if (codePoint < min || codePoint > 0x10ffff) return 0;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 0;
  return length;
}

/** Worst case output size of escaping `length` bytes. */
export function maxEscapedLength(length: number): number {
  return length * 6;
}

/**
 * Write `bytes[start:end]` JSON-escaped (without quotes) into `out` at
 * `position`; returns the new position. `out` must have room for
 * {@link maxEscapedLength} bytes.
 */
export function escapeJsonBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  position: number,
): number {
  let index = start;
  while (index < end) {
    const byte = bytes[index];
    if (byte < 0x80) {
      const escape = ASCII_ESCAPES[byte];
      if (escape === undefined) out[position++] = byte;
      else {
        out.set(escape, position);
        position += escape.length;
      }
      index++;
      continue;
    }
    const length = utf8SequenceLength(bytes, index, end);
    if (length === 0) {
      out[position++] = REPLACEMENT[0];
      out[position++] = REPLACEMENT[1];
      out[position++] = REPLACEMENT[2];
      index++;
    } else {
      for (let offset = 0; offset < length; offset++) out[position++] = bytes[index + offset];
      index += length;
    }
  }
  return position;
}

/**
 * The largest split point <= `limit` that does not cut a UTF-8 sequence in
 * two (it may go back at most three bytes).
 */
export function utf8SafeSplit(bytes: Uint8Array, limit: number): number {
  if (limit >= bytes.length) return bytes.length;
  for (let back = 0; back < 4 && limit - back > 0; back++) {
    const byte = bytes[limit - back];
    if ((byte & 0xc0) !== 0x80) return limit - back; // not a continuation byte
  }
  return limit;
}
