/**
 * The server end of a SPDY/3.1 connection over any duplex (an upgraded
 * HTTP connection, or a WebSocket tunnel): the client opens streams, each
 * is answered with a SYN_REPLY and handed over as a node Duplex (DATA in
 * and out, FIN as end, RST as destroy). PINGs are echoed.
 *
 * Flow control: Kubernetes' clients (moby/spdystream) neither send nor
 * heed WINDOW_UPDATE, so a send window would stall them at 64 KiB: sends
 * are paced by the socket instead, and reading stops while a stream's
 * reader is full. WINDOW_UPDATEs are still sent for what was consumed,
 * so a SPDY/3.1 client that keeps windows is not stalled either.
 * @module
 */

import { Duplex } from "node:stream";
import { concatBytes } from "../../../lib/bytes.ts";
import { writeWaiting } from "../../../lib/write_waiting.ts";
import { SpdyHeaderCodec } from "./spdy_headers.ts";
import {
  dataFrame,
  decodeHeaderPairs,
  encodeHeaderPairs,
  firstWord,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  goAwayFrame,
  parseSynStream,
  pingFrame,
  readFrames,
  RstStatus,
  rstStreamFrame,
  type SpdyFrame,
  SpdyType,
  synReplyFrame,
  windowUpdateFrame,
} from "./spdy_frames.ts";

/** The largest DATA payload sent at once. */
const SEND_CHUNK_BYTES = 64 * 1024;
/** Consumed bytes after which a WINDOW_UPDATE is sent. */
const WINDOW_UPDATE_BYTES = 32 * 1024;
/** How much a stream's reader may hold before the connection stops reading. */
const STREAM_READ_BUFFER = 1024 * 1024;

/** A stream the client opened, as a Duplex. */
export class SpdyStream extends Duplex {
  /** The client's SYN_STREAM headers, names lowercased. */
  readonly headers: Record<string, string>;
  readonly id: number;
  #connection: SpdyConnection;
  #replied: Promise<void>;
  #unconsumed = 0;
  #reset = false;

  constructor(
    connection: SpdyConnection,
    id: number,
    headers: Record<string, string>,
    replied: Promise<void>,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: STREAM_READ_BUFFER });
    this.#connection = connection;
    this.id = id;
    this.headers = headers;
    this.#replied = replied;
  }

  /** Called by the connection for each DATA frame; false: stop reading for now. */
  receive(data: Uint8Array, fin: boolean): boolean {
    let room = true;
    if (data.length > 0 && !this.readableEnded) {
      this.#unconsumed += data.length;
      room = this.push(data);
    }
    if (fin) this.push(null);
    return room;
  }

  /** The client reset the stream, or the connection ended. */
  abort(): void {
    this.#reset = true;
    if (!this.readableEnded) this.push(null);
    this.destroy();
  }

  override _read(): void {
    if (this.#unconsumed >= WINDOW_UPDATE_BYTES) {
      this.#connection.windowUpdate(this.id, this.#unconsumed);
      this.#unconsumed = 0;
    }
    this.#connection.resumeReading(this);
  }

  override _write(chunk: Uint8Array, _encoding: string, done: (error?: Error | null) => void) {
    this.#replied
      .then(() => this.#connection.sendData(this.id, new Uint8Array(chunk), false))
      .then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#replied
      .then(() => this.#connection.sendData(this.id, new Uint8Array(0), true))
      .then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // A stream dropped before both sides finished is cancelled.
    if (!this.#reset && (!this.writableFinished || !this.readableEnded)) {
      this.#connection.reset(this.id, RstStatus.CANCEL);
    }
    done(error);
  }
}

/** The server end of one SPDY connection. */
export class SpdyConnection {
  #socket: Duplex;
  #codec = new SpdyHeaderCodec();
  #streams = new Map<number, SpdyStream>();
  #pending: Uint8Array = new Uint8Array(0);
  #chain: Promise<void> = Promise.resolve();
  #lastStreamId = 0;
  #full = new Set<SpdyStream>();
  #busy = false;
  #sessionUnconsumed = 0;
  #closed = false;
  #onStream: (stream: SpdyStream) => void;
  #onClose: () => void = () => {};
  /** Resolves once the connection is gone (either side closed it). */
  readonly closed: Promise<void>;

  constructor(socket: Duplex, onStream: (stream: SpdyStream) => void) {
    this.#socket = socket;
    this.#onStream = onStream;
    this.closed = new Promise((resolve) => this.#onClose = resolve);
    socket.on("data", (chunk: Uint8Array) => this.#receive(chunk));
    socket.once("end", () => this.#teardown());
    socket.once("close", () => this.#teardown());
    socket.once("error", () => this.#teardown());
  }

  /** Finish: GOAWAY, then the socket ends. Streams not finished are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#write(goAwayFrame(this.#lastStreamId)).catch(() => {});
    this.#socket.end();
    this.#teardown();
  }

  #receive(chunk: Uint8Array): void {
    this.#busy = true;
    this.#socket.pause();
    this.#chain = this.#chain
      .then(() => this.#process(chunk))
      .catch(() => this.#protocolError())
      .finally(() => {
        this.#busy = false;
        this.resumeReading();
      });
  }

  /**
   * Resume reading the socket unless another stream's reader is still full
   * (`wanting` asks for more: node calls _read before it takes from the buffer).
   */
  resumeReading(wanting?: SpdyStream): void {
    if (wanting) this.#full.delete(wanting);
    for (const stream of this.#full) if (stream.destroyed) this.#full.delete(stream);
    if (!this.#busy && this.#full.size === 0 && !this.#closed) this.#socket.resume();
  }

  async #process(chunk: Uint8Array): Promise<void> {
    const { frames, rest } = readFrames(
      this.#pending.length ? concatBytes([this.#pending, chunk]) : new Uint8Array(chunk),
    );
    this.#pending = rest.slice();
    for (const frame of frames) await this.#handle(frame);
  }

  async #handle(frame: SpdyFrame): Promise<void> {
    if (frame.kind === "data") {
      const stream = this.#streams.get(frame.streamId);
      if (!stream) {
        this.#socket.write(rstStreamFrame(frame.streamId, RstStatus.INVALID_STREAM));
        return;
      }
      this.#sessionUnconsumed += frame.data.length;
      if (this.#sessionUnconsumed >= WINDOW_UPDATE_BYTES) {
        this.windowUpdate(0, this.#sessionUnconsumed);
        this.#sessionUnconsumed = 0;
      }
      const fin = (frame.flags & FLAG_FIN) !== 0;
      if (!stream.receive(frame.data, fin)) this.#full.add(stream);
      return;
    }
    switch (frame.type) {
      case SpdyType.SYN_STREAM:
        return await this.#openStream(frame.payload, frame.flags);
      case SpdyType.RST_STREAM: {
        const stream = this.#streams.get(firstWord(frame.payload));
        this.#streams.delete(firstWord(frame.payload));
        stream?.abort();
        return;
      }
      case SpdyType.PING:
        // The client's pings have odd ids; ours would be even (we send none).
        if (firstWord(frame.payload) % 2 === 1) {
          this.#socket.write(pingFrame(firstWord(frame.payload)));
        }
        return;
      case SpdyType.GOAWAY:
        this.#socket.end();
        this.#teardown();
        return;
      case SpdyType.HEADERS: {
        // Headers after the SYN carry nothing these streams use but FIN.
        await this.#codec.inflate(frame.payload.subarray(4));
        const stream = this.#streams.get(firstWord(frame.payload));
        if (stream && frame.flags & FLAG_FIN) stream.receive(new Uint8Array(0), true);
        return;
      }
      default:
        return; // SETTINGS, WINDOW_UPDATE (see the module note), unknown types
    }
  }

  async #openStream(payload: Uint8Array, flags: number): Promise<void> {
    const syn = parseSynStream(payload);
    if (!syn) return this.#protocolError();
    // The header block must be inflated even for a refused stream: the
    // zlib context is shared by every block.
    const headers = decodeHeaderPairs(await this.#codec.inflate(syn.headerBlock));
    if (syn.streamId % 2 === 0 || syn.streamId <= this.#lastStreamId) {
      this.#socket.write(rstStreamFrame(syn.streamId, RstStatus.PROTOCOL_ERROR));
      return;
    }
    this.#lastStreamId = syn.streamId;
    const unidirectional = (flags & FLAG_UNIDIRECTIONAL) !== 0;
    const replied = this.#codec.deflate(encodeHeaderPairs({}))
      .then((block) => this.#write(synReplyFrame(syn.streamId, block)));
    replied.catch(() => {});
    const stream = new SpdyStream(this, syn.streamId, headers, replied);
    if (unidirectional) stream.end();
    this.#streams.set(syn.streamId, stream);
    stream.once("close", () => this.#streams.delete(syn.streamId));
    if (flags & FLAG_FIN) stream.receive(new Uint8Array(0), true);
    this.#onStream(stream);
  }

  /** Send `data` on a stream, in frames, waiting while the socket is full. */
  async sendData(streamId: number, data: Uint8Array, fin: boolean): Promise<void> {
    if (this.#closed) throw new Error("the SPDY connection is closed");
    for (let offset = 0; offset < data.length; offset += SEND_CHUNK_BYTES) {
      const piece = data.subarray(offset, offset + SEND_CHUNK_BYTES);
      const last = offset + SEND_CHUNK_BYTES >= data.length;
      await this.#write(dataFrame(streamId, piece, fin && last));
    }
    if (data.length === 0 && fin) await this.#write(dataFrame(streamId, data, true));
  }

  /** Tell the client `delta` more bytes of `streamId` (0: the connection) may come. */
  windowUpdate(streamId: number, delta: number): void {
    if (!this.#closed) this.#socket.write(windowUpdateFrame(streamId, delta));
  }

  /** Cancel a stream from our side. */
  reset(streamId: number, status: number): void {
    if (this.#closed || !this.#streams.has(streamId)) return;
    this.#streams.delete(streamId);
    this.#socket.write(rstStreamFrame(streamId, status));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    if (this.#closed || !(await writeWaiting(this.#socket, bytes))) {
      throw new Error("the SPDY connection is closed");
    }
  }

  #protocolError(): void {
    if (this.#closed) return;
    this.#socket.write(goAwayFrame(this.#lastStreamId, RstStatus.PROTOCOL_ERROR));
    this.#socket.end();
    this.#teardown();
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.abort();
    this.#streams.clear();
    this.#codec.close();
    this.#onClose();
  }
}
