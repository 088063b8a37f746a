/**
 * The server end of a WebSocket connection (RFC 6455) over an upgraded
 * HTTP connection: the handshake's accept key, whole messages in (client
 * frames unmasked, fragments joined, pings answered), binary messages out,
 * the close handshake. No extensions: Kubernetes' clients ask for none.
 * @module
 */

import { createHash } from "node:crypto";
import { Duplex } from "node:stream";
import { concatBytes } from "../../../lib/bytes.ts";
import { writeWaiting } from "../../../lib/write_waiting.ts";

/** The GUID RFC 6455 appends to the client's key. */
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** The largest message accepted (a stdin write or a resize is far smaller). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Opcodes. */
export const Opcode = {
  CONTINUATION: 0,
  TEXT: 1,
  BINARY: 2,
  CLOSE: 8,
  PING: 9,
  PONG: 10,
} as const;

/** Close codes. */
export const CloseCode = { NORMAL: 1000, PROTOCOL_ERROR: 1002, TOO_BIG: 1009 } as const;

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + HANDSHAKE_GUID).digest("base64");
}

/** One frame as read from the client. */
export interface WebSocketFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/**
 * Split whole frames off `buffer` (masked payloads unmasked); `rest` is an
 * incomplete frame's bytes. Throws on a frame larger than the limit.
 */
export function readWebSocketFrames(
  buffer: Uint8Array,
): { frames: WebSocketFrame[]; rest: Uint8Array } {
  const frames: WebSocketFrame[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const first = buffer[offset], second = buffer[offset + 1];
    let length = second & 0x7f;
    let header = 2;
    const view = new DataView(buffer.buffer, buffer.byteOffset + offset);
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = view.getUint16(2);
      header = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      const big = view.getBigUint64(2);
      if (big > BigInt(MAX_MESSAGE_BYTES)) throw new RangeError("WebSocket frame too large");
      length = Number(big);
      header = 10;
    }
    if (length > MAX_MESSAGE_BYTES) throw new RangeError("WebSocket frame too large");
    const masked = (second & 0x80) !== 0;
    const total = header + (masked ? 4 : 0) + length;
    if (buffer.length - offset < total) break;
    const payload = buffer.slice(offset + header + (masked ? 4 : 0), offset + total);
    if (masked) {
      const mask = buffer.subarray(offset + header, offset + header + 4);
      for (let index = 0; index < payload.length; index++) payload[index] ^= mask[index & 3];
    }
    frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload });
    offset += total;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** A server frame (unmasked, final). */
export function webSocketFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const header = payload.length < 126 ? 2 : payload.length < 65536 ? 4 : 10;
  const bytes = new Uint8Array(header + payload.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x80 | opcode;
  if (header === 2) bytes[1] = payload.length;
  else if (header === 4) {
    bytes[1] = 126;
    view.setUint16(2, payload.length);
  } else {
    bytes[1] = 127;
    view.setBigUint64(2, BigInt(payload.length));
  }
  bytes.set(payload, header);
  return bytes;
}

/** The server end of one WebSocket connection. */
export class WebSocketConnection {
  #socket: Duplex;
  #pending: Uint8Array = new Uint8Array(0);
  #fragments: Uint8Array[] = [];
  #fragmentOpcode = 0;
  #closed = false;
  #closeSent = false;
  #onMessage: (data: Uint8Array, opcode: number) => void;
  #onClose: () => void = () => {};
  /** Resolves once the connection is gone. */
  readonly closed: Promise<void>;

  constructor(socket: Duplex, onMessage: (data: Uint8Array, opcode: number) => void) {
    this.#socket = socket;
    this.#onMessage = onMessage;
    this.closed = new Promise((resolve) => this.#onClose = resolve);
    socket.on("data", (chunk: Uint8Array) => this.#receive(chunk));
    socket.once("end", () => this.#teardown());
    socket.once("close", () => this.#teardown());
    socket.once("error", () => this.#teardown());
  }

  /** Send a binary message; resolves once the socket took it (backpressure). */
  async send(data: Uint8Array, opcode: number = Opcode.BINARY): Promise<void> {
    const gone = this.#closed || this.#closeSent;
    if (gone || !(await writeWaiting(this.#socket, webSocketFrame(opcode, data)))) {
      throw new Error("the WebSocket is closed");
    }
  }

  /** Start the close handshake; the socket ends once the client answers (or soon after). */
  close(code: number = CloseCode.NORMAL, reason = ""): void {
    if (this.#closed || this.#closeSent) return;
    this.#closeSent = true;
    const text = new TextEncoder().encode(reason);
    const payload = new Uint8Array(2 + text.length);
    new DataView(payload.buffer).setUint16(0, code);
    payload.set(text, 2);
    this.#socket.write(webSocketFrame(Opcode.CLOSE, payload));
    setTimeout(() => this.#socket.destroy(), 5_000).unref?.();
  }

  #receive(chunk: Uint8Array): void {
    let parsed;
    try {
      parsed = readWebSocketFrames(
        this.#pending.length ? concatBytes([this.#pending, chunk]) : new Uint8Array(chunk),
      );
    } catch {
      this.close(CloseCode.TOO_BIG);
      return;
    }
    this.#pending = parsed.rest.slice();
    for (const frame of parsed.frames) this.#handle(frame);
  }

  #handle(frame: WebSocketFrame): void {
    switch (frame.opcode) {
      case Opcode.PING:
        if (!this.#closeSent) this.#socket.write(webSocketFrame(Opcode.PONG, frame.payload));
        return;
      case Opcode.PONG:
        return;
      case Opcode.CLOSE:
        // Answer the client's close, then the connection is over.
        if (!this.#closeSent) {
          this.#closeSent = true;
          this.#socket.write(webSocketFrame(Opcode.CLOSE, frame.payload.subarray(0, 2)));
        }
        this.#socket.end();
        this.#teardown();
        return;
      case Opcode.CONTINUATION:
        this.#fragments.push(frame.payload);
        break;
      default:
        this.#fragmentOpcode = frame.opcode;
        this.#fragments = [frame.payload];
    }
    if (!frame.fin) return;
    const message = concatBytes(this.#fragments);
    this.#fragments = [];
    this.#onMessage(message, this.#fragmentOpcode);
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }
}

/**
 * A byte stream carried in binary messages (a tunnel, as Kubernetes'
 * SPDY-over-WebSocket port-forward): what is written goes out as messages,
 * what comes in is read in order; the close handshake ends both ways.
 */
export class WebSocketTunnel extends Duplex {
  #connection: WebSocketConnection;
  #socket: Duplex;

  constructor(socket: Duplex) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#connection = new WebSocketConnection(socket, (data, opcode) => {
      if (opcode !== Opcode.BINARY || data.length === 0) return;
      if (!this.push(data)) socket.pause();
    });
    this.#connection.closed.then(() => {
      this.push(null);
      this.destroy();
    });
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Uint8Array, _encoding: string, done: (error?: Error | null) => void) {
    this.#connection.send(new Uint8Array(chunk)).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#connection.close();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#connection.close();
    done(error);
  }
}
