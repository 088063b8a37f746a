/**
 * One container inside a shim: create it with the runtime, own its stdio and
 * log, reap its init, record how it exited, delete it.
 * @module
 */

import type { OutputStream } from "../protocol/json_log.ts";
import { writeJsonAtomic } from "../protocol/atomic_write.ts";
import {
  DEFAULT_ATTACH_LIMITS,
  type ExitRecord,
  PROTOCOL_VERSION,
  type ShimConfig,
  type ShimStatus,
} from "../protocol/shim_protocol.ts";
import { AttachServer } from "./attach_server.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";
import { type ContainerIo, type OutputSink, pipeIo, ptyIo } from "./container_io.ts";
import { JsonLogWriter } from "./json_log_writer.ts";
import {
  closeListener,
  listenUnixRaw,
  readSmallFile,
  receiveFd,
  setWindowSize,
  waitForPid,
} from "./libc.ts";
import {
  deleteContainer,
  runtimeError,
  spawnCreate,
  startContainer,
  statePath,
} from "./runtime_cli.ts";

/** Diagnostics sink (the shim's own log). */
export type Diagnostics = (message: string) => void;

/** The lifecycle of one container owned by this shim. */
export class ShimContainer {
  readonly config: ShimConfig;
  #diagnostics: Diagnostics;
  #state: ShimStatus["state"] = "creating";
  #pid = 0;
  #exit: ExitRecord | undefined;
  #io: ContainerIo | undefined;
  #log: JsonLogWriter | undefined;
  #attach: AttachServer | undefined;
  /** The running `start`, which a fast exit's delete must wait for. */
  #starting: Promise<void> = Promise.resolve();

  constructor(config: ShimConfig, diagnostics: Diagnostics) {
    this.config = config;
    this.#diagnostics = diagnostics;
  }

  /** What the control socket reports. */
  status(): ShimStatus {
    return {
      id: this.config.id,
      state: this.#state,
      pid: this.#pid || undefined,
      exit: this.#exit,
    };
  }

  /** The container's stdio, once created. */
  get io(): ContainerIo | undefined {
    return this.#io;
  }

  /**
   * Run `<runtime> create` and take over the container's stdio. Resolves to
   * the init pid; throws with the runtime's message when create fails.
   */
  async create(): Promise<number> {
    const { config } = this;
    this.#log = await JsonLogWriter.open(config.log);
    // Attachers may connect before the container starts, so none of its
    // output is missed.
    this.#attach = new AttachServer(statePath(config, "attach"), {
      io: () => this.#io,
      limits: config.attach ?? DEFAULT_ATTACH_LIMITS,
      closeStdinOnEof: config.stdinOnce && !config.tty,
      log: this.#diagnostics,
    });
    const consoleFd = config.tty ? listenUnixRaw(statePath(config, "console")) : -1;
    const masterPromise = consoleFd >= 0 ? receiveFd(consoleFd) : undefined;
    const child = spawnCreate(config);
    const status = await child.status;
    if (!status.success) {
      const stderr = await readAll(child.stderr);
      if (consoleFd >= 0) {
        masterPromise?.catch(() => {}); // accept fails once the listener is shut
        closeListener(consoleFd);
      }
      if (!config.tty) await child.stdout.cancel().catch(() => {});
      await this.#attach.end();
      throw new Error(await runtimeError(config, stderr));
    }
    if (config.tty) await child.stderr.cancel().catch(() => {});
    this.#pid = Number((await Deno.readTextFile(statePath(config, "initPid"))).trim());
    const sink = this.#outputSink();
    if (masterPromise) {
      const master = await masterPromise;
      closeListener(consoleFd);
      await Deno.remove(statePath(config, "console")).catch(() => {});
      if (config.consoleSize) {
        setWindowSize(master, config.consoleSize.rows, config.consoleSize.cols);
      }
      this.#io = ptyIo(master, sink);
    } else {
      this.#io = pipeIo(child, sink);
    }
    this.#state = "created";
    return this.#pid;
  }

  /**
   * Start the created container. On failure the container is deleted (its
   * init killed), so the shim records that and exits. (Not `run --detach`
   * in one runtime process: a container that exits before the runtime does
   * can be reaped by the runtime, and its status would be lost.)
   */
  start(): Promise<void> {
    if (this.#state !== "created") {
      return Promise.reject(new Error(`cannot start a container that is ${this.#state}`));
    }
    const started = startContainer(this.config).then(() => {
      if (this.#state === "created") this.#state = "running";
    });
    this.#starting = started.catch(async (error) => {
      this.#diagnostics(error.message);
      const deleteError = await deleteContainer(this.config);
      if (deleteError) this.#diagnostics(`delete after a failed start failed: ${deleteError}`);
    });
    return started;
  }

  /**
   * Reap the init and write the exit record at once (the cgroup's OOM count
   * is read before anything deletes it). Then, side by side, the runtime
   * deletes the container while its remaining output drains to the log and
   * the attachers. `onExit` runs once all output is written, so whoever
   * hears of the exit can read the whole log; this resolves once the
   * container is deleted too.
   */
  async waitForExit(onExit: (exit: ExitRecord) => Promise<void>): Promise<void> {
    const { exitCode, signal } = await waitForPid(this.#pid);
    this.#diagnostics(`init ${this.#pid} exited: code ${exitCode}`);
    const exit: ExitRecord = {
      protocol: PROTOCOL_VERSION,
      id: this.config.id,
      pid: this.#pid,
      exitCode,
      signal,
      oomKilled: this.#oomKilled(),
      exitedAt: formatRfc3339Nano(preciseNow()),
    };
    await writeJsonAtomic(statePath(this.config, "exit"), exit);
    const deleted = this.#starting.then(() => deleteContainer(this.config)).then((error) => {
      if (error) this.#diagnostics(`delete failed: ${error}`);
    });
    await this.#io?.drain();
    await this.#attach?.end();
    await this.#log?.close();
    if (this.#log?.error) this.#diagnostics(`log write failed: ${this.#log.error.message}`);
    this.#exit = exit;
    this.#state = "exited";
    await onExit(exit);
    await deleted;
  }

  #outputSink(): OutputSink {
    const log = this.#log!;
    const attach = this.#attach!;
    return {
      write: (stream: OutputStream, chunk: Uint8Array) => {
        attach.broadcast(stream, chunk);
        return log.write(stream, chunk);
      },
      end: (stream: OutputStream) => log.flush(stream),
    };
  }

  #oomKilled(): boolean {
    const path = this.config.oomEventsPath;
    const text = path ? readSmallFile(path) : undefined;
    const match = text ? /^oom_kill (\d+)$/m.exec(text) : null;
    return match !== null && Number(match[1]) > 0;
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}
