/**
 * Docker's multiplexed stream framing, as the shim's attach socket, the
 * daemon's attach and exec streams and the CLI all speak it (no tty):
 * each frame is an 8-byte header [stream, 0, 0, 0, size as big-endian
 * uint32] and the payload.
 * @module
 */

/** Stream ids in the frame header. */
export const STREAM_IDS = { stdin: 0, stdout: 1, stderr: 2 } as const;

/** A stream a frame belongs to. */
export type FramedStream = keyof typeof STREAM_IDS;

/** Bytes of a frame header. */
export const FRAME_HEADER_BYTES = 8;

/** Content types of the API's stream answers: framed, and raw (a tty's). */
export const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
export const RAW_STREAM = "application/vnd.docker.raw-stream";

/** Frame `payload` for `stream`. */
export function frame(stream: FramedStream, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  out[0] = STREAM_IDS[stream];
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A piece of a frame's payload, and the stream id its header named. */
export interface PayloadPiece {
  streamId: number;
  bytes: Uint8Array;
}

/**
 * Splits a framed stream into payload pieces as bytes arrive, headers and
 * payloads split anywhere: a piece is handed out without waiting for (or
 * copying into) its whole frame. The pieces are views of the input.
 */
export class FrameSplitter {
  #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerBytes = 0;
  #payloadLeft = 0;
  #streamId: number = STREAM_IDS.stdout;

  /** The payload pieces `bytes` completes or continues, in order. */
  push(bytes: Uint8Array): PayloadPiece[] {
    const pieces: PayloadPiece[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#payloadLeft === 0) {
        const taken = Math.min(FRAME_HEADER_BYTES - this.#headerBytes, bytes.length - offset);
        this.#header.set(bytes.subarray(offset, offset + taken), this.#headerBytes);
        this.#headerBytes += taken;
        offset += taken;
        if (this.#headerBytes < FRAME_HEADER_BYTES) break;
        this.#headerBytes = 0;
        this.#streamId = this.#header[0];
        this.#payloadLeft = new DataView(this.#header.buffer).getUint32(4);
        continue;
      }
      const end = Math.min(bytes.length, offset + this.#payloadLeft);
      pieces.push({ streamId: this.#streamId, bytes: bytes.subarray(offset, end) });
      this.#payloadLeft -= end - offset;
      offset = end;
    }
    return pieces;
  }
}

/** Turns a framed stream into its payloads, stdout and stderr in order (a tty's view). */
export class FrameReader {
  #splitter = new FrameSplitter();

  /** The payload bytes `bytes` carries (a copy: the input may be reused). */
  payloads(bytes: Uint8Array): Uint8Array {
    const pieces = this.#splitter.push(bytes);
    const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.bytes.length, 0));
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece.bytes, offset);
      offset += piece.bytes.length;
    }
    return out;
  }
}
