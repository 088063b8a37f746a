/**
 * Writes a container's output as a docker json-file or a CRI (k8s-file)
 * log, with docker's max-size / max-file rotation. The entries come from
 * LogEncoder (bytes in, entries out). One write is in flight at a time;
 * what arrives meanwhile is gathered into the next write, so encoding
 * overlaps writing and writes stay large (a 64 KiB write costs the kernel
 * about three times as much per byte as a 384 KiB one, measured here).
 * @module
 */

import { logFileNames, type OutputStream } from "../protocol/container_log.ts";
import type { LogConfig } from "../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";
import { LogEncoder } from "./log_encoder.ts";
import { writeAll } from "../protocol/write_all.ts";

/**
 * Bytes of log entries gathered for the next write before a writer has to
 * wait (measured: more only spills the caches and slows it down).
 */
const GATHER_LIMIT = 768 * 1024;

/** Bytes of output encoded at a time. */
const ENCODE_SLICE = 64 * 1024;

/** How long the log may be quiet before its reusable buffers are freed. */
const IDLE_RELEASE_MS = 5_000;

/** A container log that one or more output streams append to. */
export class LogWriter {
  #config: LogConfig;
  #file: Deno.FsFile;
  #size: number;
  #encoder: LogEncoder;
  /** Entries waiting for the write in flight to finish. */
  #gathered: Uint8Array[] = [];
  #gatheredBytes = 0;
  /** The write loop, while one runs. */
  #writing: Promise<void> | undefined;
  /** Writers waiting for the gathered entries to be taken. */
  #waiting: (() => void)[] = [];
  /** Where gathered entries are joined (free again once their write is done). */
  #joinBuffer = new Uint8Array(0);
  /** Frees the buffers once writing has been quiet a while (a burst should not cost memory for good). */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #failed: Error | undefined;

  private constructor(config: LogConfig, file: Deno.FsFile, size: number) {
    this.#config = config;
    this.#encoder = new LogEncoder(config.format ?? "json-file");
    this.#file = file;
    this.#size = size;
  }

  /** Open (append to) the log at `config.path`. */
  static async open(config: LogConfig): Promise<LogWriter> {
    const file = await Deno.open(config.path, { append: true, create: true, mode: 0o640 });
    const { size } = await file.stat();
    return new LogWriter(config, file, size);
  }

  /**
   * Append output; complete lines are written now, the rest is kept. A big
   * chunk is encoded a slice at a time, so that its entries are written
   * while they are still in the CPU's cache (a whole 1 MiB read of
   * /dev/zero is 6 MiB of json-file entries).
   */
  async write(stream: OutputStream, chunk: Uint8Array): Promise<void> {
    const time = now();
    for (let start = 0; start < chunk.length; start += ENCODE_SLICE) {
      const slice = chunk.subarray(start, Math.min(start + ENCODE_SLICE, chunk.length));
      await this.#enqueue(this.#encoder.encode(stream, slice, time));
    }
  }

  /** Write whatever partial line a stream still holds. */
  flush(stream: OutputStream): Promise<void> {
    return this.#enqueue(this.#encoder.flush(stream, now()));
  }

  /** Flush both streams, wait for every write, close the file. */
  async close(): Promise<void> {
    await this.flush("stdout");
    await this.flush("stderr");
    await this.#writing;
    clearTimeout(this.#idleTimer);
    this.#file.close();
  }

  /**
   * Open the log file again by its path (it was renamed or removed: the
   * CRI's ReopenContainerLog, after kubelet rotated it). Writes in flight
   * finish in the old file; the next ones go to the new one. A failure to
   * open it leaves the old one in use and is thrown.
   */
  async reopen(): Promise<void> {
    const file = await Deno.open(this.#config.path, { append: true, create: true, mode: 0o640 });
    const { size } = await file.stat();
    while (this.#writing) await this.#writing;
    const old = this.#file;
    this.#file = file;
    this.#size = size;
    this.#failed = undefined;
    old.close();
  }

  /** The first write error, if any (output is then dropped, never blocked). */
  get error(): Error | undefined {
    return this.#failed;
  }

  /**
   * Gather the entries for the next write. The caller waits only while
   * more than GATHER_LIMIT bytes are gathered, so memory stays bounded.
   */
  #enqueue(entries: Uint8Array): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    this.#gathered.push(entries);
    this.#gatheredBytes += entries.length;
    this.#writing ??= this.#writeLoop();
    if (this.#gatheredBytes <= GATHER_LIMIT) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Write what is gathered, in one write, until nothing is. */
  async #writeLoop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    while (this.#gathered.length > 0) {
      const parts = this.#gathered;
      const size = this.#gatheredBytes;
      this.#gathered = [];
      this.#gatheredBytes = 0;
      for (const resume of this.#waiting.splice(0)) resume();
      const bytes = parts.length === 1 ? parts[0] : this.#join(parts, size);
      await this.#append(bytes);
      for (const part of parts) this.#encoder.recycle(part);
    }
    this.#writing = undefined;
    const timer = setTimeout(() => {
      this.#encoder.releaseBuffers();
      this.#joinBuffer = new Uint8Array(0);
    }, IDLE_RELEASE_MS);
    Deno.unrefTimer(timer);
    this.#idleTimer = timer;
  }

  /** Join `parts` into the join buffer (grown when too small). */
  #join(parts: Uint8Array[], size: number): Uint8Array {
    if (this.#joinBuffer.length < size) this.#joinBuffer = new Uint8Array(size);
    const joined = this.#joinBuffer.subarray(0, size);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }

  async #append(entries: Uint8Array): Promise<void> {
    if (this.#failed) return;
    try {
      const { maxSize } = this.#config;
      if (maxSize <= 0 || this.#size + entries.length <= maxSize) {
        await this.#writeAll(entries);
        return;
      }
      // Rotation works per entry (each ends with the only raw newline in
      // it): an entry never straddles two files.
      let start = 0;
      let end = 0;
      while (end < entries.length) {
        const next = entries.indexOf(0x0a, end) + 1;
        const size = this.#size + (next - start);
        if (size > maxSize && this.#size + (end - start) > 0) {
          await this.#writeAll(entries.subarray(start, end));
          await this.#rotate();
          start = end;
        }
        end = next;
      }
      await this.#writeAll(entries.subarray(start, end));
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    await writeAll(this.#file, bytes);
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

function now(): string {
  return formatRfc3339Nano(preciseNow());
}
