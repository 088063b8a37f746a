/**
 * Writes a container's output as a docker json-file log, with docker's
 * max-size / max-file rotation. Lines are split at newlines; a line longer
 * than MAX_LOG_LINE characters is stored as partial entries; whatever is
 * pending when a stream ends is flushed as a last partial entry.
 *
 * Each chunk is decoded once (invalid UTF-8 becomes U+FFFD), each line is
 * escaped by V8's JSON.stringify, and a chunk's entries go out in one write:
 * the per-line cost stays small at hundreds of MB/s.
 * @module
 */

import { logFileNames, MAX_LOG_LINE, type OutputStream } from "../protocol/json_log.ts";
import type { LogConfig } from "../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";

const encoder = new TextEncoder();
/** Characters of log entries queued before a writer has to wait. */
const IN_FLIGHT_LIMIT = 4 * 1024 * 1024;
/** Characters JSON needs escaped, the newline aside. */
// deno-lint-ignore no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u0009\u000b-\u001f]/;

/** True when every line of `text` fits one entry. */
function linesFit(text: string): boolean {
  let previous = -1;
  for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n", newline + 1)) {
    if (newline - previous > MAX_LOG_LINE) return false;
    previous = newline;
  }
  return true;
}

/** A json-file log that one or more output streams append to. */
export class JsonLogWriter {
  #config: LogConfig;
  #file: Deno.FsFile;
  #size: number;
  #decoders: Record<OutputStream, TextDecoder> = {
    stdout: new TextDecoder(),
    stderr: new TextDecoder(),
  };
  #pending: Record<OutputStream, string> = { stdout: "", stderr: "" };
  #queue: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #failed: Error | undefined;

  private constructor(config: LogConfig, file: Deno.FsFile, size: number) {
    this.#config = config;
    this.#file = file;
    this.#size = size;
  }

  /** Open (append to) the log at `config.path`. */
  static async open(config: LogConfig): Promise<JsonLogWriter> {
    const file = await Deno.open(config.path, { append: true, create: true, mode: 0o640 });
    const { size } = await file.stat();
    return new JsonLogWriter(config, file, size);
  }

  /** Append output; complete lines are written now, the rest is kept. */
  write(stream: OutputStream, chunk: Uint8Array): Promise<void> {
    const text = this.#pending[stream] + this.#decoders[stream].decode(chunk, { stream: true });
    const lastNewline = text.lastIndexOf("\n");
    const complete = text.slice(0, lastNewline + 1);
    // The common case, plain text lines of ordinary length, is turned into
    // entries by one native replace over the whole chunk.
    if (complete && !NEEDS_ESCAPE.test(complete) && linesFit(complete)) {
      this.#pending[stream] = text.slice(lastNewline + 1);
      const tail = this.#entryTail(stream);
      const joined = complete.slice(0, -1).replaceAll("\n", `\\n${tail}{"log":"`);
      return this.#enqueueText(`{"log":"${joined}\\n${tail}`);
    }
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      const end = newline < 0 ? text.length : newline + 1;
      while (end - start > MAX_LOG_LINE) {
        lines.push(text.slice(start, start + MAX_LOG_LINE));
        start += MAX_LOG_LINE;
      }
      if (newline < 0) break;
      lines.push(text.slice(start, end));
      start = end;
    }
    this.#pending[stream] = text.slice(start);
    return lines.length ? this.#enqueue(stream, lines) : Promise.resolve();
  }

  /** Write whatever partial line a stream still holds. */
  flush(stream: OutputStream): Promise<void> {
    const rest = this.#pending[stream] + this.#decoders[stream].decode();
    this.#pending[stream] = "";
    return rest ? this.#enqueue(stream, [rest]) : Promise.resolve();
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

  /** What follows a line's escaped text in its entry. */
  #entryTail(stream: OutputStream): string {
    return `","stream":"${stream}","time":"${formatRfc3339Nano(preciseNow())}"}\n`;
  }

  #enqueue(stream: OutputStream, lines: string[]): Promise<void> {
    const tail = this.#entryTail(stream);
    const entries = lines.map((line) => `{"log":${JSON.stringify(line).slice(0, -1)}${tail}`);
    return this.#schedule(
      entries.reduce((sum, entry) => sum + entry.length, 0),
      () => this.#append(entries),
    );
  }

  /**
   * Queue a write. The caller waits only while more than IN_FLIGHT_LIMIT
   * characters are queued, so encoding the next chunk overlaps writing this
   * one, and memory stays bounded.
   */
  #schedule(size: number, write: () => Promise<void>): Promise<void> {
    this.#inFlight += size;
    this.#queue = this.#queue.then(write).finally(() => this.#inFlight -= size);
    return this.#inFlight > IN_FLIGHT_LIMIT ? this.#queue : Promise.resolve();
  }

  /** Entries already joined; split again only if they would cross max-size. */
  #enqueueText(entries: string): Promise<void> {
    return this.#schedule(entries.length, async () => {
      if (this.#failed) return;
      const bytes = encoder.encode(entries);
      const { maxSize } = this.#config;
      if (maxSize > 0 && this.#size + bytes.length > maxSize) {
        return this.#append(entries.split(/(?<=\n)/));
      }
      try {
        await this.#writeAll(bytes);
      } catch (error) {
        this.#failed = error instanceof Error ? error : new Error(String(error));
      }
    });
  }

  async #append(entries: string[]): Promise<void> {
    if (this.#failed) return;
    try {
      const { maxSize } = this.#config;
      if (maxSize <= 0) {
        await this.#writeAll(encoder.encode(entries.join("")));
        return;
      }
      // Rotation works per entry: an entry never straddles two files.
      let batch: Uint8Array[] = [];
      let batchSize = 0;
      for (const entry of entries) {
        const bytes = encoder.encode(entry);
        const current = this.#size + batchSize;
        if (current > 0 && current + bytes.length > maxSize) {
          await this.#writeAll(concat(batch, batchSize));
          batch = [];
          batchSize = 0;
          await this.#rotate();
        }
        batch.push(bytes);
        batchSize += bytes.length;
      }
      await this.#writeAll(concat(batch, batchSize));
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
    this.#size += bytes.length;
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
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
