/**
 * The shim's control socket: newline-delimited JSON requests from the daemon
 * (hello, create, start, status, shutdown) and events pushed to every
 * connected client (exit). A client that goes away is dropped; it never
 * affects the container.
 * @module
 */

import {
  type ControlMessage,
  type ControlRequest,
  encodeJsonLine,
  JsonLineDecoder,
} from "../protocol/shim_protocol.ts";
import { writeAll } from "../protocol/write_all.ts";

/** Answers requests; `replied` runs once an answer has been sent (or failed to be). */
export interface ControlHandler {
  answer(request: ControlRequest): Promise<ControlMessage> | ControlMessage;
  replied?(request: ControlRequest): void;
}

/** Serves the control socket until closed. */
export class ControlServer {
  #listener: Deno.Listener;
  #clients = new Set<Deno.Conn>();
  #handler: ControlHandler;

  constructor(path: string, handler: ControlHandler) {
    this.#listener = Deno.listen({ transport: "unix", path });
    // In a 0700 state dir already; its own mode says so too, whatever the umask.
    Deno.chmodSync(path, 0o600);
    this.#handler = handler;
    this.#accept();
  }

  /** Send an event to every connected client. */
  async broadcast(message: ControlMessage): Promise<void> {
    const line = encodeJsonLine(message);
    await Promise.all([...this.#clients].map((conn) => this.#send(conn, line)));
  }

  /** Stop accepting and disconnect every client. */
  close(): void {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const conn of this.#clients) conn.close();
    this.#clients.clear();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) this.#serve(conn);
    } catch {
      // listener closed
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    this.#clients.add(conn);
    const decoder = new JsonLineDecoder<ControlRequest>();
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const count = await conn.read(buffer);
        if (count === null) break;
        for (const request of decoder.push(buffer.subarray(0, count))) {
          const seq = typeof request.seq === "number" ? request.seq : 0;
          let reply: ControlMessage;
          try {
            reply = await this.#handler.answer(request);
          } catch (error) {
            reply = {
              seq,
              ok: false,
              error: error instanceof Error ? error.message : String(error),
            };
          }
          try {
            await this.#send(conn, encodeJsonLine(reply));
          } finally {
            this.#handler.replied?.(request); // sent, or never to be
          }
        }
      }
    } catch {
      // the client went away or sent garbage
    } finally {
      if (this.#clients.delete(conn)) conn.close();
    }
  }

  async #send(conn: Deno.Conn, line: Uint8Array): Promise<void> {
    try {
      await writeAll(conn, line);
    } catch {
      if (this.#clients.delete(conn)) conn.close();
    }
  }
}
