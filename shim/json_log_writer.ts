/**
 * Writes a container's output as a docker json-file log, with docker's
 * max-size / max-file rotation. Lines are split at newlines; a line longer
 * than MAX_LOG_LINE is stored as partial entries; whatever is pending when a
 * stream ends is flushed as a last partial entry.
 * @module
 */

import { logFileNames, MAX_LOG_LINE, type OutputStream } from "../protocol/json_log.ts";
import type { LogConfig } from "../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";
import { escapeJsonBytes, maxEscapedLength, utf8SafeSplit } from "./json_escape.ts";

const encoder = new TextEncoder();
const PREFIX = encoder.encode('{"log":"');
const STREAM_SUFFIX: Record<OutputStream, Uint8Array> = {
  stdout: encoder.encode('","stream":"stdout","time":"'),
  stderr: encoder.encode('","stream":"stderr","time":"'),
};
const END = encoder.encode('"}\n');
const NEWLINE = 0x0a;

/** A json-file log that one or more output streams append to. */
export class JsonLogWriter {
  #config: LogConfig;
  #file: Deno.FsFile;
  #size: number;
  #pending: Record<OutputStream, Uint8Array> = {
    stdout: new Uint8Array(0),
    stderr: new Uint8Array(0),
  };
  #scratch = new Uint8Array(256 * 1024);
  #queue: Promise<void> = Promise.resolve();
  #failed: Error | undefined;

  private constructor(config: LogConfig, file: Deno.FsFile, size: number) {
    this.#config = config;
    this.#file = file;
    this.#size = size;
  }

  /** Open (append to) the log at `config.path`. */
  static async open(config: LogConfig): Promise<JsonLogWriter> {
    const file = await Deno.open(config.path, {
      append: true,
      create: true,
      mode: 0o640,
    });
    const { size } = await file.stat();
    return new JsonLogWriter(config, file, size);
  }

  /** Append output; complete lines are written now, the rest is kept. */
  write(stream: OutputStream, chunk: Uint8Array): Promise<void> {
    const entries = this.#takeLines(stream, chunk);
    if (entries.length === 0) return this.#queue;
    return this.#enqueue(stream, entries);
  }

  /** Write whatever partial line a stream still holds. */
  flush(stream: OutputStream): Promise<void> {
    const pending = this.#pending[stream];
    if (pending.length === 0) return this.#queue;
    this.#pending[stream] = new Uint8Array(0);
    return this.#enqueue(stream, [pending]);
  }

  /** Flush both streams, wait for every write, close the file. */
  async close(): Promise<void> {
    await this.flush("stdout");
    await this.flush("stderr");
    await this.#queue;
    this.#file.close();
  }

  /** The first write error, if any (output is then dropped, never blocked). */
  get error(): Error | undefined {
    return this.#failed;
  }

  #takeLines(stream: OutputStream, chunk: Uint8Array): Uint8Array[] {
    let data = chunk;
    const pending = this.#pending[stream];
    if (pending.length > 0) {
      data = new Uint8Array(pending.length + chunk.length);
      data.set(pending);
      data.set(chunk, pending.length);
    }
    const entries: Uint8Array[] = [];
    let start = 0;
    for (;;) {
      const newline = data.indexOf(NEWLINE, start);
      const lineEnd = newline < 0 ? data.length : newline + 1;
      // Split long lines (complete or not) into MAX_LOG_LINE pieces.
      while (lineEnd - start > MAX_LOG_LINE) {
        const piece = data.subarray(start, lineEnd);
        const cut = utf8SafeSplit(piece, MAX_LOG_LINE) || MAX_LOG_LINE;
        entries.push(piece.subarray(0, cut));
        start += cut;
      }
      if (newline < 0) break;
      entries.push(data.subarray(start, lineEnd));
      start = lineEnd;
    }
    // Copy the remainder: `data` may be the caller's buffer, reused later.
    this.#pending[stream] = data.slice(start);
    return entries;
  }

  #enqueue(stream: OutputStream, lines: Uint8Array[]): Promise<void> {
    const encoded = this.#encode(stream, lines);
    this.#queue = this.#queue.then(() => this.#append(encoded));
    return this.#queue;
  }

  #encode(stream: OutputStream, lines: Uint8Array[]): Uint8Array[] {
    const time = encoder.encode(formatRfc3339Nano(preciseNow()));
    const suffix = STREAM_SUFFIX[stream];
    const overhead = PREFIX.length + suffix.length + time.length + END.length;
    const entries: Uint8Array[] = [];
    for (const line of lines) {
      const needed = overhead + maxEscapedLength(line.length);
      if (this.#scratch.length < needed) this.#scratch = new Uint8Array(needed * 2);
      const out = this.#scratch;
      out.set(PREFIX, 0);
      let position = escapeJsonBytes(line, 0, line.length, out, PREFIX.length);
      out.set(suffix, position);
      position += suffix.length;
      out.set(time, position);
      position += time.length;
      out.set(END, position);
      position += END.length;
      entries.push(out.slice(0, position));
    }
    return entries;
  }

  async #append(entries: Uint8Array[]): Promise<void> {
    if (this.#failed) return;
    try {
      let batch: Uint8Array[] = [];
      let batchSize = 0;
      for (const entry of entries) {
        if (this.#mustRotate(batchSize, entry.length)) {
          await this.#writeAll(batch, batchSize);
          batch = [];
          batchSize = 0;
          await this.#rotate();
        }
        batch.push(entry);
        batchSize += entry.length;
      }
      await this.#writeAll(batch, batchSize);
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
    }
  }

  /** True when `entry` bytes after `pending` unwritten ones would pass max-size. */
  #mustRotate(pending: number, entry: number): boolean {
    const { maxSize } = this.#config;
    const current = this.#size + pending;
    return maxSize > 0 && current > 0 && current + entry > maxSize;
  }

  async #writeAll(batch: Uint8Array[], size: number): Promise<void> {
    if (size === 0) return;
    const bytes = batch.length === 1 ? batch[0] : concat(batch, size);
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
    this.#size += size;
  }

  async #rotate(): Promise<void> {
    const { path, maxFiles } = this.#config;
    this.#file.close();
    if (maxFiles > 1) {
      const names = logFileNames(path, maxFiles);
      for (let index = names.length - 1; index > 0; index--) {
        await Deno.rename(names[index - 1], names[index]).catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        });
      }
    }
    // With a single file docker truncates it in place.
    this.#file = await Deno.open(
      path,
      maxFiles > 1
        ? { append: true, create: true, mode: 0o640 }
        : { write: true, create: true, truncate: true, mode: 0o640 },
    );
    this.#size = 0;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
