/**
 * Splitting docker's multiplexed stream (8-byte frame headers) back into
 * stdout and stderr.
 * @module
 */

/** Where demultiplexed output goes. */
export interface DemuxTarget {
  stdout(chunk: Uint8Array): void | Promise<void>;
  stderr(chunk: Uint8Array): void | Promise<void>;
}

/**
 * Read a multiplexed (or, with `raw`, a plain) stream to its end. Payload
 * bytes are passed on as they arrive, without waiting for (or copying
 * into) whole frames: a frame often spans two reads.
 */
export async function demultiplex(
  body: AsyncIterable<Uint8Array>,
  target: DemuxTarget,
  raw: boolean,
): Promise<void> {
  const header = new Uint8Array(8);
  let headerBytes = 0;
  let payloadLeft = 0;
  let write = target.stdout;
  for await (const value of body) {
    if (raw) {
      await target.stdout(value);
      continue;
    }
    let offset = 0;
    while (offset < value.length) {
      if (payloadLeft === 0) {
        const taken = Math.min(8 - headerBytes, value.length - offset);
        header.set(value.subarray(offset, offset + taken), headerBytes);
        headerBytes += taken;
        offset += taken;
        if (headerBytes < 8) break;
        headerBytes = 0;
        write = header[0] === 2 ? target.stderr : target.stdout;
        payloadLeft = new DataView(header.buffer).getUint32(4);
        continue;
      }
      const end = Math.min(value.length, offset + payloadLeft);
      await write(value.subarray(offset, end));
      payloadLeft -= end - offset;
      offset = end;
    }
  }
}
