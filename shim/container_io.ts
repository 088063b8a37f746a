/**
 * The container's stdio, owned by the shim: output from the pipes (or the
 * pty master) goes to the json-file log and to any other sinks; nothing here
 * waits on the daemon.
 * @module
 */

import type { OutputStream } from "../protocol/container_log.ts";
import { closeFd, readFd, setWindowSize, writeFd } from "./libc.ts";
import { withTimeout } from "../lib/timeout.ts";

/** Receives the container's output. */
export interface OutputSink {
  /**
   * Called for every chunk; awaited, so a sink can apply backpressure. The
   * chunk's memory is read into again once this resolves: keep a copy.
   */
  write(stream: OutputStream, chunk: Uint8Array): Promise<void> | void;
  /** Called once per stream when it ends. */
  end(stream: OutputStream): Promise<void> | void;
}

/** Read sizes from the output pipes: while output is slow, and while it streams. */
const SMALL_READ = 64 * 1024;
const BIG_READ = 1024 * 1024;

/** How long to wait for the pipes to close after the init exited. */
const DRAIN_TIMEOUT_MS = 2000;

/** The stdio of one container. */
export interface ContainerIo {
  /** Resolves when all output has been read and handed to the sink. */
  readonly done: Promise<void>;
  /** Write to the container's stdin; false when stdin is closed. */
  writeStdin(data: Uint8Array): Promise<boolean>;
  /** Close the container's stdin (it reads EOF). */
  closeStdin(): Promise<void>;
  /** Resize the pty (no-op without a tty). */
  resize(rows: number, cols: number): void;
  /** Called once the init has exited: stop reading after a grace period. */
  drain(): Promise<void>;
}

/** Pump a container's stdout/stderr pipes and hold its stdin pipe. */
export function pipeIo(child: Deno.ChildProcess, sink: OutputSink): ContainerIo {
  const readers: ReadableStreamBYOBReader[] = [];
  const pump = async (stream: OutputStream, source: ReadableStream<Uint8Array>) => {
    const reader = source.getReader({ mode: "byob" });
    readers.push(reader);
    let buffer = new Uint8Array(SMALL_READ);
    try {
      for (;;) {
        const { value, done } = await reader.read(buffer);
        if (done || !value) break;
        await sink.write(stream, value);
        // Output that fills a small read gets the big buffer next; a short
        // read (output has slowed down) goes back to a small one, so an
        // idle container does not keep a big buffer in the shim.
        const size = value.length >= SMALL_READ ? BIG_READ : SMALL_READ;
        buffer = size === value.buffer.byteLength
          ? new Uint8Array(value.buffer)
          : new Uint8Array(size);
      }
    } catch {
      // cancelled after the drain timeout
    } finally {
      await sink.end(stream);
    }
  };
  const done = Promise.all([pump("stdout", child.stdout), pump("stderr", child.stderr)]).then(
    () => {},
  );
  let stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  try {
    stdin = child.stdin.getWriter();
  } catch {
    stdin = undefined; // stdin is /dev/null
  }
  return {
    done,
    async writeStdin(data) {
      if (!stdin) return false;
      try {
        await stdin.write(data);
        return true;
      } catch {
        return false;
      }
    },
    async closeStdin() {
      const writer = stdin;
      stdin = undefined;
      await writer?.close().catch(() => {});
    },
    resize() {},
    async drain() {
      await withTimeout(done, DRAIN_TIMEOUT_MS);
      for (const reader of readers) await reader.cancel().catch(() => {});
      await done;
    },
  };
}

/** Pump a pty master: all output is "stdout", stdin is written to it. */
export function ptyIo(master: number, sink: OutputSink): ContainerIo {
  let open = true;
  const pump = async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const count = await readFd(master, buffer);
        if (count <= 0) break; // EIO: every slave fd is closed
        await sink.write("stdout", buffer.slice(0, count));
      }
    } finally {
      await sink.end("stdout");
      await sink.end("stderr");
    }
  };
  const done = pump();
  return {
    done,
    writeStdin(data) {
      return open ? writeFd(master, data) : Promise.resolve(false);
    },
    closeStdin() {
      // A pty has no half-close; docker leaves a tty's stdin open too.
      return Promise.resolve();
    },
    resize(rows, cols) {
      if (open) setWindowSize(master, rows, cols);
    },
    async drain() {
      await withTimeout(done, DRAIN_TIMEOUT_MS);
      open = false;
      closeFd(master);
    },
  };
}
