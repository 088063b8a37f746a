/**
 * Turns container output into log entries straight from the bytes: no
 * decoding to strings, one output buffer per chunk. Lines end at newlines;
 * a line longer than MAX_LOG_LINE bytes is cut into partial entries (at a
 * UTF-8 character boundary); a partial line waits for the next chunk. Two
 * formats:
 * - docker's json-file: text is copied as it is, control characters, `"`
 *   and `\` are escaped as JSON.stringify escapes them, and invalid UTF-8
 *   becomes U+FFFD the way TextDecoder replaces it;
 * - the CRI format of Kubernetes (podman's k8s-file): `TIME STREAM F|P `
 *   and the raw bytes, F for a whole line (its newline dropped), P for a
 *   piece of one.
 * @module
 */

import { type LogFormat, MAX_LOG_LINE, type OutputStream } from "../protocol/container_log.ts";

const encoder = new TextEncoder();
const ENTRY_HEAD = encoder.encode('{"log":"');
const NEWLINE_ESCAPED = encoder.encode("\\n");
const REPLACEMENT = encoder.encode("\uFFFD");
/** Per byte: 0 copy it, 2 or 6 the length of its JSON escape, UTF8 a non-ASCII byte. */
const ESCAPE_LENGTH = new Uint8Array(256);
/** Each ASCII byte's escape, 6 bytes apart (as JSON.stringify writes them). */
const ESCAPES = new Uint8Array(128 * 6);
const UTF8 = 255;
{
  const short: Record<number, string> = {
    0x08: "\\b",
    0x09: "\\t",
    0x0a: "\\n",
    0x0c: "\\f",
    0x0d: "\\r",
    0x22: '\\"',
    0x5c: "\\\\",
  };
  for (let byte = 0; byte < 256; byte++) {
    if (byte >= 0x80) ESCAPE_LENGTH[byte] = UTF8;
    else if (byte < 0x20 || short[byte]) {
      const text = short[byte] ?? `\\u${byte.toString(16).padStart(4, "0")}`;
      ESCAPE_LENGTH[byte] = text.length;
      ESCAPES.set(encoder.encode(text), byte * 6);
    }
  }
}

/**
 * Length of the valid UTF-8 sequence at `index` (ending before `end`), or
 * minus the length of the invalid prefix to replace with one U+FFFD
 * (WHATWG's decoder: the byte that breaks a sequence starts the next one).
 */
function utf8Sequence(data: Uint8Array, index: number, end: number): number {
  const lead = data[index];
  let needed: number;
  let lower = 0x80, upper = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) needed = 1;
  else if (lead >= 0xe0 && lead <= 0xef) {
    needed = 2;
    if (lead === 0xe0) lower = 0xa0;
    if (lead === 0xed) upper = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    needed = 3;
    if (lead === 0xf0) lower = 0x90;
    if (lead === 0xf4) upper = 0x8f;
  } else return -1;
  for (let offset = 1; offset <= needed; offset++) {
    const next = index + offset;
    if (next >= end || data[next] < lower || data[next] > upper) return -offset;
    lower = 0x80;
    upper = 0xbf;
  }
  return needed + 1;
}

/** Where to cut `data` at most `limit` bytes after `start`, not inside a character. */
function pieceEnd(data: Uint8Array, start: number, limit: number): number {
  let cut = start + limit;
  // Back up over continuation bytes (at most 3) to the start of a character.
  for (let back = 0; back < 3 && cut > start + 1 && (data[cut] & 0xc0) === 0x80; back++) cut--;
  return (data[cut] & 0xc0) === 0x80 ? start + limit : cut;
}

/** An output buffer that grows as entries are added. */
class Output {
  bytes: Uint8Array;
  length = 0;

  constructor(buffer: Uint8Array) {
    this.bytes = buffer;
  }

  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Append a short part (a loop: `set` costs more than it saves below ~100 bytes). */
  put(part: Uint8Array): void {
    const bytes = this.bytes;
    let at = this.length;
    for (let index = 0; index < part.length; index++) bytes[at++] = part[index];
    this.length = at;
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Output buffers kept for reuse. */
const MAX_SPARE = 4;

/** Runs of one escaped byte at least this long are written by doubling copies. */
const RUN = 16;

/**
 * Escape `data[start, end)` into `out` (room for 6 bytes per input byte is
 * reserved). Writes are inlined byte by byte: V8 runs that loop several
 * times faster than one with table-driven inner loops or `set` calls.
 */
function escapeInto(out: Output, data: Uint8Array, start: number, end: number): void {
  const bytes = out.bytes;
  let at = out.length;
  let index = start;
  while (index < end) {
    const byte = data[index];
    const length = ESCAPE_LENGTH[byte];
    if (length === 0) {
      bytes[at++] = byte;
      index++;
      continue;
    }
    if (length === UTF8) {
      const sequence = utf8Sequence(data, index, end);
      if (sequence > 0) {
        for (let offset = 0; offset < sequence; offset++) bytes[at++] = data[index + offset];
        index += sequence;
      } else {
        bytes[at++] = REPLACEMENT[0];
        bytes[at++] = REPLACEMENT[1];
        bytes[at++] = REPLACEMENT[2];
        index -= sequence;
      }
      continue;
    }
    // A run of one escaped byte (zeros from dd, padding): escape it once,
    // then double the escaped run with copyWithin.
    let runEnd = index + 1;
    while (runEnd < end && data[runEnd] === byte) runEnd++;
    const from = byte * 6;
    const first = at;
    bytes[at++] = ESCAPES[from];
    bytes[at++] = ESCAPES[from + 1];
    if (length === 6) {
      bytes[at++] = ESCAPES[from + 2];
      bytes[at++] = ESCAPES[from + 3];
      bytes[at++] = ESCAPES[from + 4];
      bytes[at++] = ESCAPES[from + 5];
    }
    const count = runEnd - index;
    if (count >= RUN) {
      const total = count * length;
      let filled = length;
      while (filled < total) {
        const copy = Math.min(filled, total - filled);
        bytes.copyWithin(first + filled, first, first + copy);
        filled += copy;
      }
      at = first + total;
    } else {
      for (let repeat = 1; repeat < count; repeat++) {
        for (let offset = 0; offset < length; offset++) bytes[at++] = bytes[first + offset];
      }
    }
    index = runEnd;
  }
  out.length = at;
}

/** How one format lays out an entry. */
interface EntryLayout {
  /** Most bytes an input byte can become. */
  expansion: number;
  /** Append the entry for `data[start, end)`, a whole line or a piece of one. */
  add(out: Output, data: Uint8Array, start: number, end: number, whole: boolean): void;
}

/** json-file entries, stamped with `stream` and `time`. */
function jsonLayout(stream: OutputStream, time: string): EntryLayout {
  const tail = encoder.encode(`","stream":"${stream}","time":"${time}"}\n`);
  return {
    expansion: 6,
    add(out, data, start, end, whole) {
      out.reserve(ENTRY_HEAD.length + (end - start) * 6 + NEWLINE_ESCAPED.length + tail.length);
      out.put(ENTRY_HEAD);
      escapeInto(out, data, start, end);
      if (whole) out.put(NEWLINE_ESCAPED);
      out.put(tail);
    },
  };
}

/** CRI (k8s-file) entries, stamped with `stream` and `time`. */
function criLayout(stream: OutputStream, time: string): EntryLayout {
  const wholeHead = encoder.encode(`${time} ${stream} F `);
  const pieceHead = encoder.encode(`${time} ${stream} P `);
  return {
    expansion: 1,
    add(out, data, start, end, whole) {
      out.reserve(wholeHead.length + (end - start) + 1);
      out.put(whole ? wholeHead : pieceHead);
      if (end - start > 64) {
        out.bytes.set(data.subarray(start, end), out.length);
        out.length += end - start;
      } else {
        out.put(data.subarray(start, end));
      }
      out.bytes[out.length++] = 0x0a;
    },
  };
}

const LAYOUTS: Record<LogFormat, (stream: OutputStream, time: string) => EntryLayout> = {
  "json-file": jsonLayout,
  "k8s-file": criLayout,
};

/** Encodes the output of a container's two streams into log entries. */
export class LogEncoder {
  readonly format: LogFormat;
  /** Each stream's unfinished line, at the start of a buffer reused from chunk to chunk. */
  #pending: Record<OutputStream, Carry> = { stdout: new Carry(), stderr: new Carry() };
  /** Output buffers written out and handed back: allocating them costs more than encoding. */
  #spare: Uint8Array[] = [];

  constructor(format: LogFormat = "json-file") {
    this.format = format;
  }

  /** Drop the buffers kept for reuse (the output has gone quiet). */
  releaseBuffers(): void {
    this.#spare = [];
    this.#pending.stdout.shrink();
    this.#pending.stderr.shrink();
  }

  /** Give back the buffer of entries that are written, for reuse. */
  recycle(entries: Uint8Array): void {
    if (this.#spare.length < MAX_SPARE && entries.byteOffset === 0) {
      this.#spare.push(new Uint8Array(entries.buffer));
    }
  }

  #output(capacity: number): Output {
    const index = this.#spare.findIndex((buffer) => buffer.length >= capacity);
    const buffer = index >= 0 ? this.#spare.splice(index, 1)[0] : new Uint8Array(capacity);
    return new Output(buffer);
  }

  /**
   * The entries for the complete lines (and full-length pieces) of what
   * `stream` has written so far, stamped `time`; the rest waits.
   */
  encode(stream: OutputStream, chunk: Uint8Array, time: string): Uint8Array {
    const pending = this.#pending[stream];
    const data = pending.length ? pending.append(chunk) : chunk;
    const layout = LAYOUTS[this.format](stream, time);
    // Room for the worst case of escapes; short lines may still grow it.
    const out = this.#output(data.length * layout.expansion + 1024);
    let start = 0;
    for (;;) {
      const newline = data.indexOf(0x0a, start);
      const lineEnd = newline < 0 ? data.length : newline;
      const withNewline = newline < 0 ? 0 : 1;
      // A line that does not fit one entry, newline included, goes in pieces.
      while (lineEnd + withNewline - start > MAX_LOG_LINE) {
        const end = pieceEnd(data, start, MAX_LOG_LINE);
        layout.add(out, data, start, end, false);
        start = end;
      }
      if (newline < 0) break;
      layout.add(out, data, start, lineEnd, true);
      start = newline + 1;
    }
    pending.keep(data, start);
    return out.result();
  }

  /** The entry for whatever partial line `stream` still holds (empty when none). */
  flush(stream: OutputStream, time: string): Uint8Array {
    const pending = this.#pending[stream].take();
    if (pending.length === 0) return pending;
    const layout = LAYOUTS[this.format](stream, time);
    const out = this.#output(pending.length * layout.expansion + 256);
    layout.add(out, pending, 0, pending.length, false);
    return out.result();
  }
}

/**
 * An unfinished line kept for the next chunk, in a buffer that is reused
 * (a new one per chunk costs zeroing it, and chunks reach 1 MiB).
 */
class Carry {
  #buffer = new Uint8Array(0);
  length = 0;

  /** The kept bytes followed by `chunk` (a view, valid until the next call). */
  append(chunk: Uint8Array): Uint8Array {
    const total = this.length + chunk.length;
    if (total > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(total, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.length);
    this.length = total;
    return this.#buffer.subarray(0, total);
  }

  /** Keep `data[start..]` (data may be a view of this buffer). */
  keep(data: Uint8Array, start: number): void {
    const rest = data.length - start;
    if (data.buffer === this.#buffer.buffer) {
      this.#buffer.copyWithin(0, data.byteOffset + start, data.byteOffset + data.length);
    } else {
      if (rest > this.#buffer.length) this.#buffer = new Uint8Array(Math.max(rest, 4096));
      this.#buffer.set(data.subarray(start));
    }
    this.length = rest;
  }

  /** The kept bytes (a copy), leaving nothing kept. */
  take(): Uint8Array {
    const kept = this.#buffer.slice(0, this.length);
    this.length = 0;
    return kept;
  }

  /** Free a buffer grown by a burst. */
  shrink(): void {
    if (this.length === 0) this.#buffer = new Uint8Array(0);
  }
}
