/**
 * Byte buffers: joining chunks, streaming what a generator yields, and reads
 * into chunks the reader may keep.
 * @module
 */

/** One buffer holding `parts` in order. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A byte stream of what `pieces` yields (empty pieces skipped), pulled
 * only as it is read; cancelling it ends the generator.
 */
export function generatorStream(pieces: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { value, done } = await pieces.next();
        if (done) return controller.close();
        if (value.length) return controller.enqueue(value);
      }
    },
    async cancel() {
      await pieces.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/** Bytes asked per read by {@link OwnedReads}. */
export const OWNED_READ_SIZE = 256 * 1024;
/** Reads smaller than this are copied out of the read buffer. */
const COPY_BELOW = 16 * 1024;

/**
 * Reads from a source into chunks the caller owns (nothing writes them
 * again): a big read is handed over with its buffer and a new one is made
 * for the next (cheaper than copying it); a small read is copied out.
 */
export class OwnedReads {
  #buffer = new Uint8Array(OWNED_READ_SIZE);

  constructor(readonly source: { read(buffer: Uint8Array): Promise<number | null> }) {}

  /** The next chunk; null at the end. */
  async read(): Promise<Uint8Array | null> {
    const count = await this.source.read(this.#buffer);
    if (count === null) return null;
    if (count < COPY_BELOW) return this.#buffer.slice(0, count);
    const chunk = this.#buffer.subarray(0, count);
    this.#buffer = new Uint8Array(OWNED_READ_SIZE);
    return chunk;
  }
}
