/**
 * Splitting docker's multiplexed stream (8-byte frame headers) back into
 * stdout and stderr.
 * @module
 */

import { FrameSplitter, STREAM_IDS } from "../protocol/stream_framing.ts";

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
  const splitter = new FrameSplitter();
  for await (const value of body) {
    if (raw) {
      await target.stdout(value);
      continue;
    }
    for (const piece of splitter.push(value)) {
      await (piece.streamId === STREAM_IDS.stderr ? target.stderr : target.stdout)(piece.bytes);
    }
  }
}
