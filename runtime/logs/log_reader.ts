/**
 * Reading a container's log (json-file or k8s-file, written by its shim):
 * all of it or its last lines, filtered by time, and followed across
 * rotations until the container stops.
 * @module
 */

import {
  type JsonLogEntry,
  logFileNames,
  type LogFormat,
  type OutputStream,
} from "../../protocol/container_log.ts";
import { parseRfc3339 } from "../../protocol/timestamp.ts";

/** One log entry as read. */
export interface LogRecord {
  stream: OutputStream;
  /** The text, its newline included when it had one. */
  text: string;
  /** RFC 3339 time as written. */
  time: string;
  /** Epoch milliseconds of `time`. */
  timeMs: number;
}

/** A container's log: its current file, its format, how many files rotation keeps. */
export interface LogFile {
  path: string;
  format: LogFormat;
  maxFiles: number;
}

/** What to read. */
export interface LogReadOptions {
  /** Number of last entries, or undefined for all. */
  tail?: number;
  /** Epoch ms: skip entries before. */
  since?: number;
  /** Epoch ms: stop at entries after. */
  until?: number;
  /** Keep reading until `stopped` resolves, then drain. */
  follow: boolean;
  /** Resolves when the container is no longer running. */
  stopped: Promise<void>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

const CHUNK = 64 * 1024;
const decoder = new TextDecoder();

/** A CRI line: `TIME STREAM F|P TEXT`. */
const CRI_LINE = /^(\S+) (stdout|stderr) ([FP])(?: |$)/;

/** One line of a log in `format`; undefined for a line that cannot be read. */
function parseLine(line: string, format: LogFormat): LogRecord | undefined {
  if (format === "k8s-file") {
    const match = CRI_LINE.exec(line);
    if (!match) return undefined;
    const timeMs = parseRfc3339(match[1]);
    if (Number.isNaN(timeMs)) return undefined;
    const text = line.slice(match[0].length);
    return {
      stream: match[2] as OutputStream,
      text: match[3] === "F" ? `${text}\n` : text,
      time: match[1],
      timeMs,
    };
  }
  if (!line.trim()) return undefined;
  try {
    const entry: JsonLogEntry = JSON.parse(line);
    return {
      stream: entry.stream === "stderr" ? "stderr" : "stdout",
      text: entry.log,
      time: entry.time,
      timeMs: parseRfc3339(entry.time),
    };
  } catch {
    return undefined; // a torn line; the writer never leaves one but a crash might
  }
}

/** Reads complete lines from an open file, from its current position. */
class LineReader {
  #pending = "";
  #buffer = new Uint8Array(CHUNK);

  constructor(readonly file: Deno.FsFile) {}

  /** Complete lines available now (may be empty). */
  async readAvailable(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const count = await this.file.read(this.#buffer);
      if (count === null || count === 0) break;
      this.#pending += decoder.decode(this.#buffer.subarray(0, count), { stream: true });
      let newline: number;
      while ((newline = this.#pending.indexOf("\n")) >= 0) {
        lines.push(this.#pending.slice(0, newline));
        this.#pending = this.#pending.slice(newline + 1);
      }
      if (lines.length >= 1024) break;
    }
    return lines;
  }

  /** Every complete line available now, read in batches. */
  async *all(): AsyncGenerator<string> {
    for (let lines = await this.readAvailable(); lines.length > 0;) {
      yield* lines;
      lines = await this.readAvailable();
    }
  }
}

async function openIfExists(path: string): Promise<Deno.FsFile | undefined> {
  try {
    return await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** The last `count` lines of a file, and its size when read. */
async function lastLines(path: string, count: number): Promise<{ lines: string[]; size: number }> {
  const file = await openIfExists(path);
  if (!file) return { lines: [], size: 0 };
  try {
    const { size } = await file.stat();
    let position = size;
    let text = "";
    let lines: string[] = [];
    while (position > 0) {
      const start = Math.max(0, position - CHUNK);
      const buffer = new Uint8Array(position - start);
      await file.seek(start, Deno.SeekMode.Start);
      let read = 0;
      while (read < buffer.length) {
        const n = await file.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      text = decoder.decode(buffer.subarray(0, read)) + text;
      position = start;
      lines = text.split("\n").filter((line) => line.length > 0);
      // The first piece may be a partial line unless we reached the start.
      if (lines.length > count || (position === 0)) break;
    }
    return { lines: lines.slice(-count), size };
  } finally {
    file.close();
  }
}

/** Entries of a container's log, as options ask. */
export async function* readLog(
  logFile: LogFile,
  options: LogReadOptions,
): AsyncGenerator<LogRecord> {
  const { path, format } = logFile;
  const parse = (line: string) => parseLine(line, format);
  const files = logFileNames(path, logFile.maxFiles).reverse(); // oldest first
  const keep = (record: LogRecord | undefined): record is LogRecord =>
    record !== undefined && (options.since === undefined || record.timeMs >= options.since);
  const pastUntil = (record: LogRecord) =>
    options.until !== undefined && record.timeMs > options.until;

  if (options.tail !== undefined) {
    // Follow on from where the tail was read, so nothing is missed between.
    let followFrom = await openIfExists(path).then(async (file) => {
      if (!file) return 0;
      const { size } = await file.stat();
      file.close();
      return size;
    });
    if (options.tail > 0) {
      let collected: string[] = [];
      for (const [index, file] of [...files].reverse().entries()) {
        const needed = options.tail - collected.length;
        if (needed <= 0) break;
        const { lines, size } = await lastLines(file, needed);
        if (index === 0) followFrom = size;
        collected = [...lines, ...collected];
      }
      for (const line of collected) {
        const record = parse(line);
        if (!keep(record)) continue;
        if (pastUntil(record)) return;
        yield record;
      }
    }
    if (!options.follow) return;
    yield* follow(path, parse, options, keep, pastUntil, followFrom);
    return;
  }
  // Everything: rotated files first, then the current one (followed).
  for (const name of files.slice(0, -1)) {
    const file = await openIfExists(name);
    if (!file) continue;
    try {
      for await (const line of new LineReader(file).all()) {
        const record = parse(line);
        if (!keep(record)) continue;
        if (pastUntil(record)) return;
        yield record;
      }
    } finally {
      file.close();
    }
  }
  yield* follow(path, parse, options, keep, pastUntil, 0);
}

/**
 * Read the current file from `startAt` (0, or where a tail ended), and with
 * `follow` keep reading as it grows or rotates until the container stops.
 */
async function* follow(
  path: string,
  parse: (line: string) => LogRecord | undefined,
  options: LogReadOptions,
  keep: (record: LogRecord | undefined) => record is LogRecord,
  pastUntil: (record: LogRecord) => boolean,
  startAt: number,
): AsyncGenerator<LogRecord> {
  let file = await openIfExists(path);
  if (file && startAt > 0) await file.seek(startAt, Deno.SeekMode.Start);
  let reader = file ? new LineReader(file) : undefined;
  let stopped = !options.follow;
  options.stopped.then(() => stopped = true);
  const watcher = options.follow ? changes(path, options) : undefined;
  try {
    for (;;) {
      if (options.signal.aborted) return;
      const wasStopped = stopped;
      if (reader) {
        for await (const line of reader.all()) {
          const record = parse(line);
          if (!keep(record)) continue;
          if (pastUntil(record)) return;
          yield record;
        }
      }
      // Rotated or truncated (or created): switch to the file now at `path`.
      const switched = await currentFileChanged(path, file);
      if (switched) {
        if (reader) {
          // Drain what was written to the old file before the rotation.
          for await (const line of reader.all()) {
            const record = parse(line);
            if (keep(record) && !pastUntil(record)) yield record;
          }
        }
        file?.close();
        file = await openIfExists(path);
        reader = file ? new LineReader(file) : undefined;
        continue;
      }
      if (!options.follow || wasStopped) return;
      await watcher!.next();
    }
  } finally {
    file?.close();
    watcher?.close();
  }
}

/** True when `path` no longer is the file `file` has open, or it shrank. */
async function currentFileChanged(path: string, file: Deno.FsFile | undefined): Promise<boolean> {
  let onDisk: Deno.FileInfo;
  try {
    onDisk = await Deno.stat(path);
  } catch {
    return false; // not there (yet)
  }
  if (!file) return true;
  const open = await file.stat();
  if (open.ino !== onDisk.ino) return true;
  const position = await file.seek(0, Deno.SeekMode.Current);
  return onDisk.size < position;
}

/** Wakes the follower when the log's directory changes (or every second). */
function changes(path: string, options: LogReadOptions) {
  const dir = path.slice(0, path.lastIndexOf("/"));
  let watcher: Deno.FsWatcher | undefined;
  try {
    watcher = Deno.watchFs(dir, { recursive: false });
  } catch {
    watcher = undefined;
  }
  let wake: (() => void) | undefined;
  (async () => {
    if (!watcher) return;
    try {
      for await (const _ of watcher) wake?.();
    } catch {
      // closed
    }
  })();
  options.stopped.then(() => wake?.());
  options.signal.addEventListener("abort", () => wake?.());
  return {
    next(): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => done(), 1000);
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
        wake = done;
      });
    },
    close(): void {
      try {
        watcher?.close();
      } catch {
        // already closed
      }
    },
  };
}
