/**
 * One state dir of a shim process (a shim group has several): its control
 * socket, in standby until the daemon sends `create` with a container's
 * config, then that container's life, then done. The shim process exits
 * once every state dir it serves is done.
 * @module
 */

import { writeJsonAtomic } from "../protocol/atomic_write.ts";
import {
  configRefusal,
  type ControlMessage,
  type ControlRequest,
  OWN_ABILITIES,
  PROTOCOL_VERSION,
  SHIM_FEATURES,
  SHIM_FILES,
  type ShimConfig,
} from "../protocol/shim_protocol.ts";
import { ControlServer } from "./control_server.ts";
import { parentPid, resetPriority } from "./libc.ts";
import { type Diagnostics, ShimContainer } from "./shim_container.ts";

/** How often a standby shim checks that its daemon still lives. */
const PARENT_CHECK_MS = 1000;

/** The lifecycle of one state dir of the shim, and its control socket. */
export class ShimSupervisor {
  readonly stateDir: string;
  #diagnostics: Diagnostics;
  #containers = new Map<string, ShimContainer>();
  #control: ControlServer;
  /** Set when this state dir is done once the answers in flight are sent. */
  #exitStatus: number | undefined;
  #requestsInFlight = 0;
  #stopped = false;
  #finish!: (status: number) => void;
  /** Resolves with this state dir's exit status, once it is done. */
  readonly done: Promise<number>;
  #parentWatch: ReturnType<typeof setInterval> | undefined;

  constructor(stateDir: string, daemonPid: number, diagnostics: Diagnostics) {
    this.stateDir = stateDir;
    this.#diagnostics = diagnostics;
    this.done = new Promise((resolve) => this.#finish = resolve);
    this.#control = new ControlServer(`${stateDir}/${SHIM_FILES.control}`, {
      answer: (request) => {
        this.#requestsInFlight++;
        return this.#answer(request);
      },
      replied: () => {
        this.#requestsInFlight--;
        if (this.#exitStatus !== undefined) this.#stopAfterReplies(this.#exitStatus);
      },
    });
    // A standby shim whose daemon died (it is re-parented) has nobody to
    // serve: it leaves.
    this.#parentWatch = setInterval(() => {
      if (this.#containers.size === 0 && parentPid() !== daemonPid) {
        this.#diagnostics("the daemon that started this standby shim is gone");
        this.#stop(0);
      }
    }, PARENT_CHECK_MS);
  }

  async #answer(request: ControlRequest): Promise<ControlMessage> {
    const seq = typeof request.seq === "number" ? request.seq : 0;
    switch (request.op) {
      case "hello":
        return {
          seq,
          ok: true,
          hello: {
            protocol: PROTOCOL_VERSION,
            features: [...SHIM_FEATURES],
            shimPid: Deno.pid,
            ids: [...this.#containers.keys()],
            standby: this.#containers.size === 0 && this.#exitStatus === undefined,
          },
        };
      case "create":
        return { seq, ok: true, status: await this.#create(request.config) };
      case "start":
        await this.#container(request.id).start();
        return { seq, ok: true, status: this.#container(request.id).status() };
      case "status":
        return { seq, ok: true, status: this.#container(request.id).status() };
      case "resize":
        this.#container(request.id).io?.resize(request.rows, request.cols);
        return { seq, ok: true };
      case "reopen-log":
        await this.#container(request.id).reopenLog();
        return { seq, ok: true };
      case "shutdown":
        // Refused while a container has a process (one the runtime runs
        // only at start, with runDetached, has none before it).
        if ([...this.#containers.values()].some((container) => container.status().pid)) {
          throw new Error("the shim has a container; it cannot shut down");
        }
        this.#exitStatus = 0;
        return { seq, ok: true };
      default:
        throw new Error(`unknown op ${(request as { op: unknown }).op}`);
    }
  }

  #container(id: string): ShimContainer {
    const container = this.#containers.get(id);
    if (!container) throw new Error(`no container ${id} in this shim`);
    return container;
  }

  async #create(config: ShimConfig) {
    if (this.#containers.size > 0 || this.#exitStatus !== undefined) {
      throw new Error("this shim already has a container");
    }
    const refusal = configRefusal(config, OWN_ABILITIES);
    if (refusal) throw new Error(refusal);
    if (config.stateDir !== this.stateDir) {
      throw new Error(`the config is for ${config.stateDir}, this shim serves ${this.stateDir}`);
    }
    clearInterval(this.#parentWatch);
    resetPriority();
    await writeJsonAtomic(`${this.stateDir}/${SHIM_FILES.config}`, config, { durable: false });
    await Deno.remove(`${this.stateDir}/${SHIM_FILES.standby}`).catch(() => {});
    const container = new ShimContainer(config, this.#diagnostics);
    this.#containers.set(config.id, container);
    try {
      await container.create();
    } catch (error) {
      this.#diagnostics(error instanceof Error ? error.message : String(error));
      // Answer first (the reply carries the reason), then quit.
      this.#exitStatus = 1;
      throw error;
    }
    container.waitForExit((exit) => this.#control.broadcast({ event: "exit", id: config.id, exit }))
      .then(() => this.#stop(0), (error) => {
        // Nothing ran (a failed start): the start's answer carries the reason.
        this.#diagnostics(`waiting for the container failed: ${error}`);
        this.#stopAfterReplies(1);
      });
    return container.status();
  }

  /** Quit once every request being answered has had its answer. */
  #stopAfterReplies(status: number): void {
    this.#exitStatus = status;
    if (this.#requestsInFlight === 0) this.#stop(status);
  }

  #stop(status: number): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#parentWatch);
    this.#control.close();
    try {
      Deno.removeSync(`${this.stateDir}/${SHIM_FILES.control}`);
    } catch {
      // already gone
    }
    this.#finish(status);
  }
}
