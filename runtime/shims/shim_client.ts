/**
 * The daemon's side of a shim's control socket: hello, status, and the exit
 * event (see docs/shim-protocol.md).
 * @module
 */

import {
  configRefusal,
  type ControlMessage,
  type ControlRequest,
  type ControlRequestBody,
  encodeJsonLine,
  type ExitRecord,
  JsonLineDecoder,
  opRefusal,
  OWN_ABILITIES,
  type ShimAbilities,
  type ShimConfig,
  type ShimStatus,
} from "../../protocol/shim_protocol.ts";
import { writeAll } from "../../protocol/write_all.ts";

/** What a shim said in reply to hello. */
export interface ShimHello extends ShimAbilities {
  shimPid: number;
  ids: string[];
  /** Waiting for a `create` (no container yet). */
  standby: boolean;
}

/** The shim cannot do what was asked (too old); nothing was sent. */
export class ShimTooOld extends Error {}

/** A connection to one shim's control socket. */
export class ShimConnection {
  #conn: Deno.UnixConn;
  #seq = 0;
  #pending = new Map<number, (message: ControlMessage) => void>();
  #exitListeners = new Set<(exit: ExitRecord) => void>();
  #exit: ExitRecord | undefined;
  /** What the shim said it can do; until hello, what the first release could. */
  #abilities: ShimAbilities = { protocol: 1, features: [] };
  /** Resolves when the shim closes the connection (it has finished). */
  readonly closed: Promise<void>;

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.closed = this.#read();
  }

  /** Connect; throws when no shim listens there. */
  static async connect(path: string): Promise<ShimConnection> {
    return new ShimConnection(await Deno.connect({ transport: "unix", path }));
  }

  /** Say hello; learn the shim's protocol, features and containers. */
  async hello(): Promise<ShimHello> {
    const reply = await this.#request({
      op: "hello",
      protocol: OWN_ABILITIES.protocol,
      features: OWN_ABILITIES.features,
    });
    if (!("ok" in reply) || !reply.ok || !reply.hello) throw new Error("shim refused hello");
    const hello = reply.hello;
    // The oldest protocol of the two is spoken; a protocol 1 shim has no features.
    this.#abilities = {
      protocol: Math.min(hello.protocol, OWN_ABILITIES.protocol),
      features: hello.features ?? [],
    };
    // Protocol 1 shims that predate standby always had their container.
    return { ...hello, ...this.#abilities, standby: hello.standby ?? false };
  }

  /** What the shim can do (after hello). */
  get abilities(): ShimAbilities {
    return this.#abilities;
  }

  /** A container's status in this shim. */
  async status(id: string): Promise<ShimStatus> {
    return await this.#statusRequest({ op: "status", id });
  }

  /**
   * Have a standby shim create its container; resolves to the status (with
   * the init pid). A config the shim could not take is refused here
   * ({@link ShimTooOld}), in the protocol the two speak.
   */
  async create(config: ShimConfig): Promise<ShimStatus> {
    const spoken = { ...config, protocol: Math.min(config.protocol, this.#abilities.protocol) };
    const refusal = configRefusal(spoken, this.#abilities);
    if (refusal) throw new ShimTooOld(refusal);
    return await this.#statusRequest({ op: "create", config: spoken });
  }

  async #statusRequest(body: ControlRequestBody): Promise<ShimStatus> {
    const reply = await this.#request(body);
    if (!("ok" in reply)) throw new Error("unexpected reply from the shim");
    if (!reply.ok) throw new Error(reply.error);
    if (!reply.status) throw new Error("shim sent no status");
    if (reply.status.exit) this.#exit ??= reply.status.exit;
    return reply.status;
  }

  /** Resize the pty of a container or exec. */
  async resize(id: string, rows: number, cols: number): Promise<void> {
    const reply = await this.#request({ op: "resize", id, rows, cols });
    if ("ok" in reply && !reply.ok) throw new Error(reply.error);
  }

  /** Have the shim open the container's log file again (after a rotation). */
  async reopenLog(id: string): Promise<void> {
    const reply = await this.#request({ op: "reopen-log", id });
    if ("ok" in reply && !reply.ok) throw new Error(reply.error);
  }

  /** Tell a standby shim to quit. */
  async shutdown(): Promise<void> {
    const reply = await this.#request({ op: "shutdown" });
    if ("ok" in reply && !reply.ok) throw new Error(reply.error);
  }

  /** Ask the shim to start its created container; throws with the runtime's message. */
  async start(id: string): Promise<ShimStatus> {
    return await this.#statusRequest({ op: "start", id });
  }

  /** The exit record, once the shim has sent it (event or status). */
  get exit(): ExitRecord | undefined {
    return this.#exit;
  }

  /** Resolves with the exit record, or undefined if the shim closes without one. */
  waitForExit(): Promise<ExitRecord | undefined> {
    if (this.#exit) return Promise.resolve(this.#exit);
    return new Promise((resolve) => {
      const listener = (exit: ExitRecord) => {
        this.#exitListeners.delete(listener);
        resolve(exit);
      };
      this.#exitListeners.add(listener);
      this.closed.then(() => {
        this.#exitListeners.delete(listener);
        resolve(this.#exit);
      });
    });
  }

  /** Drop the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async #request(body: ControlRequestBody): Promise<ControlMessage> {
    const refusal = opRefusal(body.op, this.#abilities);
    if (refusal) throw new ShimTooOld(refusal);
    const seq = ++this.#seq;
    const reply = new Promise<ControlMessage>((resolve, reject) => {
      this.#pending.set(seq, resolve);
      this.closed.then(() => reject(new Error("the shim closed its control socket")));
    });
    const request: ControlRequest = { ...body, seq };
    await writeAll(this.#conn, encodeJsonLine(request));
    return await reply;
  }

  async #read(): Promise<void> {
    const decoder = new JsonLineDecoder<ControlMessage>();
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const count = await this.#conn.read(buffer);
        if (count === null) break;
        for (const message of decoder.push(buffer.subarray(0, count))) this.#dispatch(message);
      }
    } catch {
      // reset by a dying shim
    } finally {
      this.close();
    }
  }

  #dispatch(message: ControlMessage): void {
    if ("event" in message) {
      if (message.event === "exit") {
        this.#exit ??= message.exit;
        for (const listener of [...this.#exitListeners]) listener(message.exit);
      }
      return;
    }
    const resolve = this.#pending.get(message.seq);
    this.#pending.delete(message.seq);
    resolve?.(message);
  }
}
