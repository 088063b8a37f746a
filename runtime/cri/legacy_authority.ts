/**
 * Clients built before Kubernetes 1.31 (kubelet 1.26-1.30, crictl up to
 * 1.30) send the unix socket's path as the HTTP/2 `:authority`, which
 * node's http2 layer (so grpc-js on Deno) answers with a GOAWAY: a path
 * is no authority. Such a connection is served all the same: the value is
 * rewritten before the frames reach http2, in place, to a legal one of the
 * same length, encoded length and HPACK table size (each character for one
 * whose Huffman code is as long), so that both sides' dynamic tables stay
 * in step. Once a connection's first request names a legal authority,
 * its bytes pass untouched.
 * @module
 */

import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import type { Socket } from "node:net";
// The HPACK Huffman code (RFC 7541, appendix B) as [bits, code] per symbol.
// deno-lint-ignore no-import-prefix
import huffman from "npm:hpack.js@2.1.6/lib/hpack/huffman.js"; // named in full: see cri_schema.ts

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const FRAME_HEADER = 9;
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const PADDED = 0x8;
const PRIORITY = 0x20;
/** The static table's `:authority`. */
const AUTHORITY_INDEX = 1;
/** Static entries up to here are pseudo-headers (`:authority` ... `:status`). */
const LAST_PSEUDO_INDEX = 14;

const HUFFMAN: [number, number][] = huffman.encode;

/** Characters of a valid authority (RFC 3986 reg-name, port, userinfo). */
const LEGAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]%]*$/;

/** For each Huffman code length, a legal character whose code is that long. */
const SAME_LENGTH = new Map<number, number>();
for (const char of "aebjXZ0123456789cdfghiklmnopqrstuvwxyz-._~!$&'()*+,;=:@") {
  const bits = HUFFMAN[char.charCodeAt(0)][0];
  if (!SAME_LENGTH.has(bits)) SAME_LENGTH.set(bits, char.charCodeAt(0));
}

/** The symbols of the Huffman code, by (length, code). */
const SYMBOLS = new Map<string, number>();
HUFFMAN.forEach(([bits, code], symbol) => SYMBOLS.set(`${bits}:${code}`, symbol));

/** Decode an HPACK integer with an `prefix`-bit prefix at `offset`; [value, next offset]. */
function readInteger(bytes: Uint8Array, offset: number, prefix: number): [number, number] {
  const max = (1 << prefix) - 1;
  let value = bytes[offset] & max;
  offset++;
  if (value < max) return [value, offset];
  let shift = 0;
  while (offset < bytes.length) {
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  return [value, offset];
}

/** The Huffman symbols of `bytes`, with their code lengths; undefined when malformed. */
export function huffmanSymbols(bytes: Uint8Array): number[] | undefined {
  const symbols: number[] = [];
  let code = 0;
  let bits = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      bits++;
      const symbol = SYMBOLS.get(`${bits}:${code}`);
      if (symbol !== undefined) {
        if (symbol === 256) return undefined; // EOS inside a string
        symbols.push(symbol);
        code = 0;
        bits = 0;
      } else if (bits > 30) return undefined;
    }
  }
  return bits < 8 ? symbols : undefined;
}

/**
 * Huffman-encode `symbols` into `target` (padded with ones, as HPACK
 * pads); the number of bytes written.
 */
export function huffmanInto(symbols: number[], target: Uint8Array): number {
  let accumulator = 0n;
  let bits = 0;
  let offset = 0;
  for (const symbol of symbols) {
    const [length, code] = HUFFMAN[symbol];
    accumulator = (accumulator << BigInt(length)) | BigInt(code);
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      target[offset++] = Number((accumulator >> BigInt(bits)) & 0xffn);
    }
    accumulator &= (1n << BigInt(bits)) - 1n;
  }
  if (bits > 0) {
    target[offset++] = Number((accumulator << BigInt(8 - bits)) | ((1n << BigInt(8 - bits)) - 1n));
  }
  return offset;
}

/**
 * Rewrite the `:authority` value that starts at `offset` in place, when it
 * is not a legal authority; false when it could not be (a character whose
 * code length no legal character has).
 */
function rewriteValue(block: Uint8Array, offset: number): boolean {
  const huffman = (block[offset] & 0x80) !== 0;
  const [length, start] = readInteger(block, offset, 7);
  const value = block.subarray(start, start + length);
  if (!huffman) {
    if (LEGAL.test(new TextDecoder().decode(value))) return true;
    value.fill(0x78); // "x": same length
    return true;
  }
  const symbols = huffmanSymbols(value);
  if (!symbols) return false;
  if (LEGAL.test(String.fromCharCode(...symbols))) return true;
  const replaced: number[] = [];
  for (const symbol of symbols) {
    const char = String.fromCharCode(symbol);
    const legal = LEGAL.test(char) ? symbol : SAME_LENGTH.get(HUFFMAN[symbol][0]);
    if (legal === undefined) return false;
    replaced.push(legal);
  }
  huffmanInto(replaced, value);
  return true;
}

/**
 * Find the `:authority` literal among the pseudo-headers at the start of a
 * header block and make it legal. True when the block needed no change or
 * was changed; false when it needed one that could not be made.
 */
export function fixAuthorityInBlock(block: Uint8Array): boolean {
  let offset = 0;
  for (let count = 0; offset < block.length && count < 16; count++) {
    const byte = block[offset];
    if (byte & 0x80) {
      // Indexed: a pseudo-header of the static table or an entry of the dynamic one.
      const [index, next] = readInteger(block, offset, 7);
      if (index > LAST_PSEUDO_INDEX && index < 62) return true;
      offset = next;
      continue;
    }
    if ((byte & 0xe0) === 0x20) {
      offset = readInteger(block, offset, 5)[1]; // a dynamic table size update
      continue;
    }
    const prefix = (byte & 0x40) ? 6 : 4;
    const [nameIndex, valueOffset] = readInteger(block, offset, prefix);
    // A literal name or a regular header: the pseudo-headers are over.
    if (nameIndex === 0 || nameIndex > LAST_PSEUDO_INDEX) return true;
    if (nameIndex === AUTHORITY_INDEX) return rewriteValue(block, valueOffset);
    const [length, start] = readInteger(block, valueOffset, 7);
    offset = start + length;
  }
  return true;
}

/** The header block fragment of a HEADERS or CONTINUATION frame's payload. */
function blockOf(type: number, flags: number, payload: Uint8Array): Uint8Array {
  if (type === CONTINUATION) return payload;
  let start = 0;
  let end = payload.length;
  if (flags & PADDED) {
    end -= payload[0];
    start = 1;
  }
  if (flags & PRIORITY) start += 5;
  return payload.subarray(start, Math.max(start, end));
}

/**
 * Rewrites the frames a client sends, whole frames at a time (a client's
 * frames are at most http2's default 16 KiB: grpc-js never raises it).
 * Once a connection's first request named a legal authority, the rest
 * passes untouched.
 */
class FrameRewriter {
  #buffer = new Uint8Array(0);
  #prefaceLeft = PREFACE.length;
  #passThrough = false;
  /** The first request's authority was rewritten: so will later ones be. */
  #rewrote = false;

  /** The bytes of `chunk` ready to pass on (complete frames, rewritten). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#passThrough) return chunk;
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    let offset = Math.min(this.#prefaceLeft, joined.length);
    this.#prefaceLeft -= offset;
    while (joined.length - offset >= FRAME_HEADER) {
      const length = (joined[offset] << 16) | (joined[offset + 1] << 8) | joined[offset + 2];
      if (joined.length - offset < FRAME_HEADER + length) break;
      const type = joined[offset + 3];
      if (type === HEADERS || type === CONTINUATION) {
        const block = blockOf(
          type,
          joined[offset + 4],
          joined.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + length),
        );
        const before = block.slice();
        fixAuthorityInBlock(block);
        if (type === HEADERS && !this.#rewrote) {
          this.#rewrote = block.some((byte, index) => byte !== before[index]);
          if (!this.#rewrote) this.#passThrough = true;
        }
      }
      offset += FRAME_HEADER + length;
      if (this.#passThrough) {
        offset = joined.length;
        break;
      }
    }
    this.#buffer = joined.slice(offset);
    return joined.subarray(0, offset);
  }
}

/** A duplex over `socket` whose incoming bytes pass through a FrameRewriter. */
function rewritingDuplex(socket: Socket): Duplex {
  const rewriter = new FrameRewriter();
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, _encoding, done) {
      socket.write(chunk, done);
    },
    final(done) {
      socket.end(done);
    },
    destroy(error, done) {
      socket.destroy(error ?? undefined);
      done(error);
    },
  });
  socket.on("data", (chunk: Uint8Array) => {
    const ready = rewriter.push(new Uint8Array(chunk));
    if (ready.length && !duplex.push(Buffer.from(ready))) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("error", (error) => duplex.destroy(error));
  socket.on("close", () => duplex.destroy());
  return duplex;
}

/**
 * The connection, ready for grpc-js: a duplex over the socket that makes
 * a path given as the authority legal (a client may wait for the server's
 * settings before its first request, so nothing waits for that request).
 */
export function fixLegacyAuthority(socket: Socket): Duplex {
  return rewritingDuplex(socket);
}
