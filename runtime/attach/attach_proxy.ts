/**
 * One attach client wired to a shim's attach connection (a container's or
 * an exec's). Output from the shim is never held back for a slow client:
 * the client gets a bounded buffer and is dropped, with a message, when it
 * overflows. Stdin goes the other way through the detach-key scanner; the
 * client's half-close becomes the shim's.
 * @module
 */

import type { Duplex } from "node:stream";
import { OwnedReads } from "../../lib/bytes.ts";
import { log } from "../logger.ts";
import type { ShimAttachment } from "../shims/attach_client.ts";
import { DETACH_HOLD_MS, DetachKeyScanner } from "../../lib/detach_keys.ts";
import { frame, FrameReader } from "../../protocol/stream_framing.ts";
import { writeAll } from "../../protocol/write_all.ts";
import { writeWaiting } from "../../lib/write_waiting.ts";

/**
 * Bytes a client may lag behind before it is dropped: room for a burst
 * (a `berth run ... | md5sum` whose reader is a little slower than the
 * container must not lose its stream), bounded all the same.
 */
export const CLIENT_BUFFER_LIMIT = 64 * 1024 * 1024;
/** How long a dropped client has to read what was sent to it. */
const DROPPED_CLIENT_GRACE_MS = 10_000;

/** How an attach session ended. */
export type SessionEnd = "ended" | "detached" | "dropped" | "gone";

/** What the proxy needs to know. */
export interface ProxyOptions {
  /** The client gets raw bytes, not frames. */
  tty: boolean;
  /** The client's bytes are the process's stdin. */
  stdin: boolean;
  /** Detach sequence; null disables it. */
  detachKeys: number[] | null;
  /** For the log. */
  id: string;
  /** Wait for a slow client instead of dropping it (an exec's own client). */
  backpressure?: boolean;
}

/**
 * Run the session until the shim's stream ends, the client detaches, goes
 * away or is dropped. The caller ends the client connection.
 */
export function proxyAttach(
  client: Duplex,
  attachment: ShimAttachment,
  options: ProxyOptions,
): Promise<SessionEnd> {
  const shim = attachment.conn;
  let end: SessionEnd | undefined;
  let finish!: (how: SessionEnd) => void;
  const finished = new Promise<SessionEnd>((resolve) => {
    finish = (how) => {
      end ??= how;
      try {
        shim.close();
      } catch {
        // already closed
      }
      resolve(end);
    };
  });
  client.once("close", () => finish("gone"));
  client.once("error", () => finish("gone"));

  if (options.stdin) pumpStdin(client, shim, options.detachKeys, () => finish("detached"));
  else client.resume(); // read and discard, so 'end' and 'close' are seen

  // Shim → client.
  const unframe = options.tty ? new FrameReader() : undefined;
  const forward = async (bytes: Uint8Array) => {
    const data = unframe ? unframe.payloads(bytes) : bytes;
    if (data.length === 0) return true;
    if (options.backpressure) return await writeWaiting(client, data);
    if (sendToClient(client, data, options.tty, options.id)) return true;
    finish("dropped");
    return false;
  };
  (async () => {
    try {
      let ok = attachment.initial.length === 0 || await forward(attachment.initial);
      // The client's socket keeps what it is given until sent.
      const reads = new OwnedReads(shim);
      while (ok && end === undefined) {
        const chunk = await reads.read();
        if (chunk === null) break;
        ok = await forward(chunk);
      }
    } catch {
      // the shim or the client went away
    }
    finish("ended");
  })();
  return finished;
}

/** Write to the client unless it lags too far behind; false once dropped. */
function sendToClient(client: Duplex, data: Uint8Array, tty: boolean, id: string): boolean {
  if (client.destroyed) return false;
  if (client.writableLength + data.length > CLIENT_BUFFER_LIMIT) {
    const note =
      `berth: attach dropped: the client fell more than ${CLIENT_BUFFER_LIMIT} bytes behind`;
    log.warn("dropping a slow attach client", { id, buffered: client.writableLength });
    const text = new TextEncoder().encode(tty ? `\r\n${note}\r\n` : `${note}\n`);
    client.write(tty ? text : frame("stderr", text));
    client.end();
    // A while to read the note; then its buffer is freed.
    setTimeout(() => client.destroy(), DROPPED_CLIENT_GRACE_MS);
    return false;
  }
  client.write(data);
  return true;
}

/**
 * Client → shim stdin, in order; the client is paused while the shim is
 * busy. EOF becomes a half-close. The detach sequence ends the session.
 */
function pumpStdin(
  client: Duplex,
  shim: Deno.UnixConn,
  detachKeys: number[] | null,
  detach: () => void,
): void {
  let chain = Promise.resolve();
  let closed = false;
  const scanner = detachKeys ? new DetachKeyScanner(detachKeys) : undefined;
  let holdTimer: ReturnType<typeof setTimeout> | undefined;
  const send = (data: Uint8Array) => {
    if (data.length === 0) return;
    chain = chain.then(() => writeAll(shim, data)).catch(() => {
      closed = true;
    });
  };
  client.on("data", (chunk: Uint8Array) => {
    if (closed) return;
    clearTimeout(holdTimer);
    let data = chunk;
    if (scanner) {
      const { forward, detach: detached } = scanner.push(chunk);
      if (detached) {
        send(forward);
        closed = true;
        chain.then(detach, detach);
        return;
      }
      data = forward;
      if (scanner.held > 0) holdTimer = setTimeout(() => send(scanner.flush()), DETACH_HOLD_MS);
    }
    client.pause();
    send(data);
    chain = chain.finally(() => client.resume());
  });
  client.resume(); // reading the request body may have paused it
  client.once("end", () => {
    clearTimeout(holdTimer);
    if (scanner && scanner.held > 0) send(scanner.flush());
    chain = chain.then(() => shim.closeWrite()).catch(() => {});
  });
}
