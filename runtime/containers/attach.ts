/**
 * An attach session: a client's hijacked connection wired to the shim's
 * attach socket. Output from the shim is never held back for a slow client:
 * the client gets a bounded buffer and is dropped, with a message, when it
 * overflows. A container that is not running yet is attached at its next
 * start, before the runtime starts it, so no output is missed.
 * @module
 */

import type { Duplex } from "node:stream";
import { concatBytes } from "../../lib/bytes.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import { Conflict } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import { attachToShim, type ShimAttachment } from "../shims/attach_client.ts";
import type { Container } from "./container.ts";

/** What the client attached to. */
export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** Bytes a client may lag behind before it is dropped. */
export const CLIENT_BUFFER_LIMIT = 16 * 1024 * 1024;

/** Refuse attaching where docker refuses it. */
export function checkAttachable(container: Container): void {
  if (container.removing || container.state.Status === "removing") {
    throw new Conflict(`container ${container.id} is being removed`);
  }
  if (container.state.Status === "paused") {
    throw new Conflict(`You cannot attach to a paused container, unpause it first`);
  }
}

/** Connect to the shim now, or at the container's next start. */
function shimAttachment(
  context: DaemonContext,
  container: Container,
  options: AttachOptions,
  clientGone: Promise<void>,
): Promise<ShimAttachment | undefined> {
  const request = { stdin: options.stdin, stdout: options.stdout, stderr: options.stderr };
  if (container.isRunning) return attachToShim(shimStateDir(context, container.id), request);
  return new Promise((resolve, reject) => {
    const removed = container.once((event) => event === "removed");
    const forget = () => {
      container.pendingAttaches.delete(connect);
      removed.cancel();
    };
    const connect = async (stateDir: string) => {
      forget();
      try {
        resolve(await attachToShim(stateDir, request));
      } catch (error) {
        reject(error);
      }
    };
    container.pendingAttaches.add(connect);
    removed.promise.then(() => {
      forget();
      resolve(undefined);
    });
    clientGone.then(() => {
      forget();
      resolve(undefined);
    });
  });
}

/** Write to the client unless it lags too far behind; false once dropped. */
function sendToClient(client: Duplex, data: Uint8Array, tty: boolean, id: string): boolean {
  if (client.destroyed) return false;
  if (client.writableLength + data.length > CLIENT_BUFFER_LIMIT) {
    const note =
      `berth: attach dropped: the client fell more than ${CLIENT_BUFFER_LIMIT} bytes behind`;
    log.warn("dropping a slow attach client", { id, buffered: client.writableLength });
    const text = new TextEncoder().encode(tty ? `\r\n${note}\r\n` : `${note}\n`);
    client.write(tty ? text : frameStderr(text));
    client.end();
    setTimeout(() => client.destroy(), 1000);
    return false;
  }
  client.write(data);
  return true;
}

function frameStderr(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out[0] = 2;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

/**
 * Run an attach session until the container's output ends or the client
 * leaves. Output frames pass through unchanged (without a tty), or are
 * unwrapped to raw bytes (with one).
 */
export async function runAttachSession(
  context: DaemonContext,
  container: Container,
  client: Duplex,
  options: AttachOptions,
): Promise<void> {
  const tty = container.record.config.Tty;
  const clientGone = new Promise<void>((resolve) => {
    client.once("close", () => resolve());
    client.once("error", () => resolve());
  });
  let attachment: ShimAttachment | undefined;
  try {
    attachment = await shimAttachment(context, container, options, clientGone);
  } catch (error) {
    log.warn("attach to the shim failed", { id: container.id, error: errorMessage(error) });
  }
  if (!attachment) {
    client.end();
    return;
  }
  const shim = attachment.conn;
  client.once("close", () => {
    try {
      shim.close();
    } catch {
      // already closed
    }
  });

  if (options.stdin) pumpStdin(client, shim);
  else client.resume(); // read and discard, so 'end' and 'close' are seen

  // Shim → client.
  const unframe = tty ? new FrameReader() : undefined;
  const forward = (bytes: Uint8Array) => {
    const data = unframe ? unframe.payloads(bytes) : bytes;
    return data.length === 0 || sendToClient(client, data, tty, container.id);
  };
  try {
    let ok = attachment.initial.length === 0 || forward(attachment.initial);
    const buffer = new Uint8Array(64 * 1024);
    while (ok) {
      const count = await shim.read(buffer);
      if (count === null) break;
      ok = forward(buffer.subarray(0, count).slice());
    }
  } catch {
    // the shim or the client went away
  }
  if (!client.destroyed) client.end();
  try {
    shim.close();
  } catch {
    // already closed
  }
}

/** Client → shim stdin, paused while the shim is busy; EOF becomes a half-close. */
function pumpStdin(client: Duplex, shim: Deno.UnixConn): void {
  let chain = Promise.resolve();
  let closed = false;
  client.on("data", (chunk: Uint8Array) => {
    if (closed) return;
    client.pause();
    chain = chain.then(async () => {
      let written = 0;
      while (written < chunk.length) written += await shim.write(chunk.subarray(written));
    }).catch(() => {
      closed = true;
    }).finally(() => client.resume());
  });
  client.once("end", () => {
    chain = chain.then(() => shim.closeWrite()).catch(() => {});
  });
}

/** Turns a stream of frames into their payloads (for tty clients). */
class FrameReader {
  #pending = new Uint8Array(0);

  payloads(bytes: Uint8Array): Uint8Array {
    const data = this.#pending.length ? concatBytes([this.#pending, bytes]) : bytes;
    const parts: Uint8Array[] = [];
    let offset = 0;
    while (data.length - offset >= 8) {
      const size = new DataView(data.buffer, data.byteOffset + offset + 4, 4).getUint32(0);
      if (data.length - offset - 8 < size) break;
      parts.push(data.subarray(offset + 8, offset + 8 + size));
      offset += 8 + size;
    }
    this.#pending = data.slice(offset);
    return concatBytes(parts);
  }
}
