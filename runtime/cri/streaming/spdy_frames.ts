/**
 * SPDY/3 framing: the frames a Kubernetes streaming connection uses, read
 * from and written to bytes. Header blocks stay opaque here (they are
 * zlib-compressed with the connection's shared context: spdy_headers.ts).
 * @module
 */

/** Control frame types. */
export const SpdyType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** FIN: the sender's last frame on the stream. */
export const FLAG_FIN = 0x01;
/** UNIDIRECTIONAL (SYN_STREAM): the receiver may not send on the stream. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  STREAM_ALREADY_CLOSED: 9,
} as const;

/** The protocol version in every control frame. */
export const SPDY_VERSION = 3;
/** Control and data frames alike start with 8 bytes. */
export const FRAME_HEADER_BYTES = 8;
/** The largest payload a frame's 24-bit length can say. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

/** One frame as read. */
export type SpdyFrame =
  | { kind: "data"; streamId: number; flags: number; data: Uint8Array }
  | { kind: "control"; type: number; version: number; flags: number; payload: Uint8Array };

/**
 * Split the frames off the front of `buffer`; `rest` is an incomplete
 * frame's bytes, to be completed by the next read.
 */
export function readFrames(buffer: Uint8Array): { frames: SpdyFrame[]; rest: Uint8Array } {
  const frames: SpdyFrame[] = [];
  let offset = 0;
  while (buffer.length - offset >= FRAME_HEADER_BYTES) {
    const view = new DataView(buffer.buffer, buffer.byteOffset + offset);
    const first = view.getUint32(0);
    const flags = buffer[offset + 4];
    const length = view.getUint32(4) & 0xffffff;
    if (buffer.length - offset < FRAME_HEADER_BYTES + length) break;
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (first & 0x80000000) {
      frames.push({
        kind: "control",
        version: (first >>> 16) & 0x7fff,
        type: first & 0xffff,
        flags,
        payload: body,
      });
    } else {
      frames.push({ kind: "data", streamId: first & 0x7fffffff, flags, data: body });
    }
    offset += FRAME_HEADER_BYTES + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

function controlFrame(type: number, flags: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x80000000 | (SPDY_VERSION << 16) | type);
  view.setUint32(4, (flags << 24) | payload.length);
  bytes.set(payload, FRAME_HEADER_BYTES);
  return bytes;
}

function words(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setUint32(index * 4, value >>> 0));
  return bytes;
}

/** A DATA frame (`data` no longer than {@link MAX_FRAME_PAYLOAD}). */
export function dataFrame(streamId: number, data: Uint8Array, fin = false): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, streamId & 0x7fffffff);
  view.setUint32(4, ((fin ? FLAG_FIN : 0) << 24) | data.length);
  bytes.set(data, FRAME_HEADER_BYTES);
  return bytes;
}

/** A SYN_REPLY with an already compressed header block. */
export function synReplyFrame(streamId: number, headerBlock: Uint8Array, fin = false): Uint8Array {
  const payload = new Uint8Array(4 + headerBlock.length);
  payload.set(words(streamId & 0x7fffffff));
  payload.set(headerBlock, 4);
  return controlFrame(SpdyType.SYN_REPLY, fin ? FLAG_FIN : 0, payload);
}

/** A RST_STREAM. */
export function rstStreamFrame(streamId: number, status: number): Uint8Array {
  return controlFrame(SpdyType.RST_STREAM, 0, words(streamId & 0x7fffffff, status));
}

/** A PING (answered by sending the same id back). */
export function pingFrame(id: number): Uint8Array {
  return controlFrame(SpdyType.PING, 0, words(id));
}

/** A GOAWAY: no stream above `lastStreamId` was or will be processed. */
export function goAwayFrame(lastStreamId: number, status = 0): Uint8Array {
  return controlFrame(SpdyType.GOAWAY, 0, words(lastStreamId & 0x7fffffff, status));
}

/** A WINDOW_UPDATE for `streamId` (0: the whole connection, SPDY/3.1). */
export function windowUpdateFrame(streamId: number, delta: number): Uint8Array {
  return controlFrame(SpdyType.WINDOW_UPDATE, 0, words(streamId & 0x7fffffff, delta & 0x7fffffff));
}

/** The fields of a SYN_STREAM's payload. */
export interface SynStream {
  streamId: number;
  associatedId: number;
  priority: number;
  headerBlock: Uint8Array;
}

/** Read a SYN_STREAM's payload; undefined when it is too short. */
export function parseSynStream(payload: Uint8Array): SynStream | undefined {
  if (payload.length < 10) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  return {
    streamId: view.getUint32(0) & 0x7fffffff,
    associatedId: view.getUint32(4) & 0x7fffffff,
    priority: payload[8] >> 5,
    headerBlock: payload.subarray(10),
  };
}

/** The first 31-bit word of a control payload (the stream id of most frames). */
export function firstWord(payload: Uint8Array): number {
  if (payload.length < 4) return 0;
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) & 0x7fffffff;
}

/** Encode a header block's name/value pairs (before compression). */
export function encodeHeaderPairs(headers: Record<string, string>): Uint8Array {
  const encoder = new TextEncoder();
  const entries = Object.entries(headers).map(([name, value]) => [
    encoder.encode(name.toLowerCase()),
    encoder.encode(value),
  ]);
  const size = 4 + entries.reduce((sum, [name, value]) => sum + 8 + name.length + value.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, entries.length);
  let offset = 4;
  for (const [name, value] of entries) {
    view.setUint32(offset, name.length);
    bytes.set(name, offset + 4);
    offset += 4 + name.length;
    view.setUint32(offset, value.length);
    bytes.set(value, offset + 4);
    offset += 4 + value.length;
  }
  return bytes;
}

/**
 * Decode a header block's pairs (after decompression). Several values of
 * one name are NUL-separated on the wire; they are kept joined by ", ".
 */
export function decodeHeaderPairs(bytes: Uint8Array): Record<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const decoder = new TextDecoder();
  const headers: Record<string, string> = {};
  if (bytes.length < 4) throw new Error("SPDY header block too short");
  const count = view.getUint32(0);
  let offset = 4;
  const take = () => {
    if (offset + 4 > bytes.length) throw new Error("SPDY header block truncated");
    const length = view.getUint32(offset);
    if (offset + 4 + length > bytes.length) throw new Error("SPDY header block truncated");
    const text = decoder.decode(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
    return text;
  };
  for (let index = 0; index < count; index++) {
    const name = take().toLowerCase();
    headers[name] = take().split("\0").join(", ");
  }
  return headers;
}
