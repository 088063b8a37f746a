/**
 * SPDY/3 header compression: each direction of a connection is one zlib
 * stream, preset with SPDY's dictionary, every header block ending with a
 * sync flush. Blocks must be (de)compressed in the order they travel.
 * @module
 */

import zlib from "node:zlib";
import { SPDY_DICTIONARY } from "./spdy_dictionary.ts";
import { concatBytes } from "../../../lib/bytes.ts";

/** One zlib stream (inflate or deflate) fed a block at a time, in order. */
class BlockCoder {
  #stream: zlib.Inflate | zlib.Deflate;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(stream: zlib.Inflate | zlib.Deflate) {
    this.#stream = stream;
    this.#stream.on("error", () => {}); // surfaced by code() through the flush
  }

  /** The output for `block`, once everything before it is done. */
  code(block: Uint8Array): Promise<Uint8Array> {
    const result = this.#chain.then(() =>
      new Promise<Uint8Array>((resolve, reject) => {
        const parts: Uint8Array[] = [];
        const onData = (chunk: Uint8Array) => parts.push(chunk);
        const onError = (error: Error) => {
          this.#stream.off("data", onData);
          reject(error);
        };
        this.#stream.on("data", onData);
        this.#stream.once("error", onError);
        this.#stream.write(block);
        this.#stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          this.#stream.off("data", onData);
          this.#stream.off("error", onError);
          resolve(concatBytes(parts));
        });
      })
    );
    this.#chain = result.catch(() => {});
    return result;
  }

  close(): void {
    this.#stream.destroy();
  }
}

/** The two header coders of one SPDY connection. */
export class SpdyHeaderCodec {
  #inflater = new BlockCoder(zlib.createInflate({ dictionary: SPDY_DICTIONARY }));
  #deflater = new BlockCoder(zlib.createDeflate({ dictionary: SPDY_DICTIONARY }));

  /** Decompress a received header block. */
  inflate(block: Uint8Array): Promise<Uint8Array> {
    return this.#inflater.code(block);
  }

  /** Compress a header block to send. */
  deflate(pairs: Uint8Array): Promise<Uint8Array> {
    return this.#deflater.code(pairs);
  }

  close(): void {
    this.#inflater.close();
    this.#deflater.close();
  }
}
