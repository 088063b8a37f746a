/**
 * The shim's attach socket: many attachers at once, each with its own
 * bounded output queue. Attachers are the daemon's connections, and the
 * daemon never waits on its clients (it drops a slow client itself), so
 * the output is paced to them: past its limit an attacher is waited for
 * while it takes frames, and dropped when it takes none for STALL_MS (a
 * stuck daemon), so the container and the log are held back at most that
 * long. Any attacher's stdin goes to the container.
 *
 * Per connection: the client sends one JSON line (AttachRequest), the shim
 * answers one (AttachReply); then the shim sends output frames (8-byte
 * header: stream id, 0, 0, 0, big-endian length) and the client sends raw
 * stdin bytes; the client's half-close is stdin EOF.
 * @module
 */

import type { OutputStream } from "../protocol/container_log.ts";
import { type AttachReply, type AttachRequest, encodeJsonLine } from "../protocol/shim_protocol.ts";
import { frame } from "../protocol/stream_framing.ts";
import type { ContainerIo } from "./container_io.ts";
import { writeAll } from "../protocol/write_all.ts";
import { withTimeout } from "../lib/timeout.ts";

/** Attach limits. */
export interface AttachLimits {
  maxAttachers: number;
  /** Bytes queued for one attacher before it is dropped. */
  queueBytes: number;
}

/** How long the remaining output may take to reach attachers at exit. */
const FLUSH_TIMEOUT_MS = 5_000;
/** How long an attacher past its limit may take to accept a frame before it is dropped. */
export const STALL_MS = 2_000;

class Attacher {
  #queue: Uint8Array[] = [];
  #queued = 0;
  #wake: (() => void) | undefined;
  /** Called when a frame has been written (or the attacher is gone). */
  #progress = new Set<() => void>();
  #closed = false;
  readonly done: Promise<void>;

  constructor(
    readonly conn: Deno.UnixConn,
    readonly request: AttachRequest,
    readonly limit: number,
    readonly onDrop: (attacher: Attacher, reason: string) => void,
  ) {
    this.done = this.#writeLoop();
  }

  /** Queue a frame (the caller paces with {@link belowLimit}). */
  push(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(frame);
    this.#queued += frame.length;
    this.#wake?.();
  }

  /**
   * Resolves once the queue is under the limit again (or the attacher is
   * gone); an attacher that accepts nothing for `stallMs` meanwhile is
   * dropped.
   */
  async belowLimit(stallMs: number): Promise<void> {
    while (!this.#closed && this.#queued > this.limit) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onProgress!: () => void;
      const progressed = await new Promise<boolean>((resolve) => {
        onProgress = () => resolve(true);
        this.#progress.add(onProgress);
        if (Number.isFinite(stallMs)) timer = setTimeout(() => resolve(false), stallMs);
      });
      this.#progress.delete(onProgress);
      clearTimeout(timer);
      if (!progressed) {
        this.onDrop(this, `it took nothing for ${stallMs} ms, ${this.#queued} bytes behind`);
        this.close();
      }
    }
  }

  /** Send what is queued, then close the connection. */
  async finish(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.done;
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#wake?.();
    for (const notify of [...this.#progress]) notify();
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  async #writeLoop(): Promise<void> {
    try {
      for (;;) {
        const frame = this.#queue.shift();
        if (!frame) {
          if (this.#closed) break;
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
          continue;
        }
        await writeAll(this.conn, frame);
        this.#queued -= frame.length;
        for (const notify of [...this.#progress]) notify();
      }
    } catch {
      // the attacher went away
    } finally {
      this.close();
    }
  }
}

/** Serves the attach socket of one container. */
export class AttachServer {
  #listener: Deno.Listener;
  #attachers = new Set<Attacher>();
  #io: () => Promise<ContainerIo | undefined>;
  #limits: AttachLimits;
  #closeStdinOnEof: boolean;
  #backpressure: boolean;
  #log: (message: string) => void;
  #ended = false;
  /** Stdin writes, in arrival order across attachers. */
  #stdinQueue: Promise<unknown> = Promise.resolve();

  constructor(
    path: string,
    options: {
      /** The container's stdio, once it has a process (undefined if it never will). */
      io: () => Promise<ContainerIo | undefined>;
      limits: AttachLimits;
      /** StdinOnce without a tty: an attacher's stdin EOF closes the container's. */
      closeStdinOnEof: boolean;
      /** Slow attachers hold the output back instead of being dropped. */
      backpressure: boolean;
      log: (message: string) => void;
    },
  ) {
    this.#listener = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, 0o600);
    this.#io = options.io;
    this.#limits = options.limits;
    this.#closeStdinOnEof = options.closeStdinOnEof;
    this.#backpressure = options.backpressure;
    this.#log = options.log;
    this.#accept();
  }

  /**
   * Hand a chunk of output to every attacher that wants its stream, then
   * wait while one is past its limit (see the module doc). With
   * backpressure (an exec: no log, its client owns it, as in docker) a
   * slow attacher is waited for however long it takes.
   */
  async broadcast(stream: OutputStream, chunk: Uint8Array): Promise<void> {
    if (this.#attachers.size === 0) return;
    const framed = frame(stream, chunk);
    for (const attacher of this.#attachers) {
      if (attacher.request[stream]) attacher.push(framed);
    }
    const stallMs = this.#backpressure ? Infinity : STALL_MS;
    await Promise.all([...this.#attachers].map((attacher) => attacher.belowLimit(stallMs)));
  }

  /** The container's output has ended: flush every attacher and close. */
  async end(): Promise<void> {
    this.#ended = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    const flushes = Promise.all([...this.#attachers].map((attacher) => attacher.finish()));
    await withTimeout(flushes, FLUSH_TIMEOUT_MS);
    for (const attacher of this.#attachers) attacher.close();
    this.#attachers.clear();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) this.#serve(conn as Deno.UnixConn);
    } catch {
      // listener closed
    }
  }

  async #serve(conn: Deno.UnixConn): Promise<void> {
    const reader = new HeaderReader(conn);
    let request: AttachRequest;
    try {
      request = JSON.parse(await reader.line());
    } catch {
      conn.close();
      return;
    }
    const refuse = (error: string) => send(conn, { ok: false, error }).finally(() => conn.close());
    if (this.#ended) return void refuse("the container has exited");
    if (this.#attachers.size >= this.#limits.maxAttachers) {
      this.#log(`attach refused: ${this.#limits.maxAttachers} attachers already`);
      return void refuse(`too many attachers: at most ${this.#limits.maxAttachers} at once`);
    }
    const attacher = new Attacher(conn, request, this.#limits.queueBytes, (dropped, reason) => {
      this.#attachers.delete(dropped);
      this.#log(`attacher dropped: ${reason}`);
    });
    this.#attachers.add(attacher);
    await send(conn, { ok: true });
    attacher.done.then(() => this.#attachers.delete(attacher));
    if (!request.stdin) return;
    // Stdin: raw bytes until the client half-closes.
    try {
      let chunk: Uint8Array | null = reader.rest();
      while (chunk !== null) {
        if (chunk.length) await this.#writeStdin(chunk);
        const buffer = new Uint8Array(32 * 1024);
        const count = await conn.read(buffer);
        chunk = count === null ? null : buffer.subarray(0, count);
      }
      await this.#stdinQueue;
      if (this.#closeStdinOnEof) await (await this.#io())?.closeStdin();
      // As docker: otherwise the attacher's stdin EOF ends its session.
      else await attacher.finish();
    } catch {
      // the attacher went away
    }
  }

  #writeStdin(data: Uint8Array): Promise<unknown> {
    const copy = data.slice();
    this.#stdinQueue = this.#stdinQueue.then(async () => (await this.#io())?.writeStdin(copy));
    return this.#stdinQueue;
  }
}

async function send(conn: Deno.Conn, reply: AttachReply): Promise<void> {
  try {
    await writeAll(conn, encodeJsonLine(reply));
  } catch {
    // gone
  }
}

/** Reads the first line of a connection, keeping what follows it. */
class HeaderReader {
  #buffer = new Uint8Array(0);
  constructor(readonly conn: Deno.Conn) {}

  async line(): Promise<string> {
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline >= 0) {
        const text = new TextDecoder().decode(this.#buffer.subarray(0, newline));
        this.#buffer = this.#buffer.slice(newline + 1);
        return text;
      }
      if (this.#buffer.length > 64 * 1024) throw new Error("attach header too long");
      const chunk = new Uint8Array(4096);
      const count = await this.conn.read(chunk);
      if (count === null) throw new Error("closed before the attach header");
      const merged = new Uint8Array(this.#buffer.length + count);
      merged.set(this.#buffer);
      merged.set(chunk.subarray(0, count), this.#buffer.length);
      this.#buffer = merged;
    }
  }

  /** Bytes read past the header line. */
  rest(): Uint8Array {
    return this.#buffer;
  }
}
