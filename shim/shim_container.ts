/**
 * One container (or one exec process) inside a shim: run it with the
 * runtime, own its stdio and log, reap it, record how it exited, and for a
 * container delete it from the runtime.
 * @module
 */

import type { OutputStream } from "../protocol/container_log.ts";
import { writeJsonAtomic } from "../protocol/atomic_write.ts";
import {
  DEFAULT_ATTACH_LIMITS,
  type ExitRecord,
  PROTOCOL_VERSION,
  type ShimConfig,
  type ShimStatus,
} from "../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../protocol/timestamp.ts";
import { AttachServer } from "./attach_server.ts";
import { type ContainerIo, type OutputSink, pipeIo, ptyIo } from "./container_io.ts";
import { LogWriter } from "./log_writer.ts";
import {
  closeListener,
  listenUnixRaw,
  readSmallFile,
  receiveFd,
  setWindowSize,
  waitForPid,
  type WaitResult,
} from "./libc.ts";
import {
  deleteContainer,
  runtimeError,
  type RuntimeVerb,
  spawnCreate,
  spawnExec,
  startContainer,
  statePath,
} from "./runtime_cli.ts";

/** Diagnostics sink (the shim's own log). */
export type Diagnostics = (message: string) => void;

/** How long an exec's runtime may take to write the process's pid file. */
const PID_FILE_TIMEOUT_MS = 5_000;

/** The lifecycle of one container (or exec) owned by this shim. */
export class ShimContainer {
  readonly config: ShimConfig;
  #diagnostics: Diagnostics;
  #state: ShimStatus["state"] = "creating";
  #pid = 0;
  #exit: ExitRecord | undefined;
  #io: ContainerIo | undefined;
  /** The stdio once there is a process: stdin sent before then waits for it. */
  #ioReady: Promise<ContainerIo | undefined>;
  #setIo!: (io: ContainerIo | undefined) => void;
  #log: LogWriter | undefined;
  #attach: AttachServer | undefined;
  /** The running `start`, which a fast exit's delete must wait for. */
  #starting: Promise<void> = Promise.resolve();
  /** How to wait for the process, once there is one (after create, or an exec's start). */
  #ended: Promise<() => Promise<WaitResult>>;
  #setEnded!: (wait: () => Promise<WaitResult>) => void;
  #noProcess!: (error: Error) => void;

  constructor(config: ShimConfig, diagnostics: Diagnostics) {
    this.config = config;
    this.#diagnostics = diagnostics;
    this.#ended = new Promise((resolve, reject) => {
      this.#setEnded = resolve;
      this.#noProcess = reject;
    });
    this.#ended.catch(() => {});
    this.#ioReady = new Promise((resolve) => this.#setIo = resolve);
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
   * Open the log and serve the attach socket, so that attachers can connect
   * before any output; then, for a container, `<runtime> create`, whose
   * stdio becomes the container's. Resolves to the init pid (0 for an exec,
   * which starts with `start`); throws with the runtime's message.
   */
  async create(): Promise<number> {
    const { config } = this;
    if (config.log) this.#log = await LogWriter.open(config.log);
    this.#attach = new AttachServer(statePath(config, "attach"), {
      io: () => this.#ioReady,
      limits: config.attach ?? DEFAULT_ATTACH_LIMITS,
      closeStdinOnEof: config.stdinOnce && !config.tty,
      backpressure: config.exec !== undefined,
      log: this.#diagnostics,
    });
    if (config.exec) {
      await writeJsonAtomic(statePath(config, "process"), config.exec.process, { durable: false });
      this.#state = "created";
      return 0;
    }
    if (config.runDetached) {
      this.#state = "created"; // the runtime runs it at start
      return 0;
    }
    await this.#createProcess("create");
    this.#state = "created";
    return this.#pid;
  }

  /** `<runtime> create` or `run --detach`: its stdio becomes the container's. */
  async #createProcess(verb: "create" | "run"): Promise<void> {
    const { child, master } = await this.#spawnRuntime((config) => spawnCreate(config, verb), verb);
    this.#pid = await readPid(statePath(this.config, "initPid"));
    this.#takeIo(child, master);
    this.#setEnded(() => waitForPid(this.#pid));
  }

  /**
   * Start: `<runtime> start` for a created container (on failure it is
   * deleted, its init killed, so the shim records that and exits),
   * `<runtime> run --detach` when the runtime runs it in one call,
   * `<runtime> exec` for an exec. A failure with no process makes the shim
   * clean up and quit.
   */
  async start(): Promise<void> {
    if (this.#state !== "created") throw new Error(`cannot start what is ${this.#state}`);
    if (this.config.exec || this.config.runDetached) {
      try {
        if (this.config.exec) await this.#startExec();
        else await this.#createProcess("run");
      } catch (error) {
        // runc undoes a failed run itself; whatever is left, delete removes.
        if (this.config.runDetached) await deleteContainer(this.config);
        this.#noProcess(error instanceof Error ? error : new Error(String(error)));
        this.#setIo(undefined);
        throw error;
      }
      this.#state = "running";
      return;
    }
    const started = startContainer(this.config).then(() => {
      if (this.#state === "created") this.#state = "running";
    });
    this.#starting = started.catch(async (error) => {
      this.#diagnostics(error.message);
      const deleteError = await deleteContainer(this.config);
      if (deleteError) this.#diagnostics(`delete after a failed start failed: ${deleteError}`);
    });
    await started;
  }

  /**
   * Without a tty, `<runtime> exec` runs in the foreground: the process's
   * stdio are our pipes and the runtime's exit status is the process's. A
   * tty needs `--detach` (runc hangs otherwise): the process is then
   * re-parented to this shim, the subreaper, and reaped by pid.
   */
  async #startExec(): Promise<void> {
    const config = this.config;
    if (!config.tty) {
      const child = spawnExec(config, false);
      this.#takeIo(child, undefined);
      const status = child.status;
      this.#setEnded(() => status.then((result) => ({ exitCode: result.code })));
      const pidFile = readPid(statePath(config, "initPid"), PID_FILE_TIMEOUT_MS);
      pidFile.catch(() => {}); // the race below handles it
      this.#pid = await Promise.race([
        pidFile,
        status.then(async (result) => {
          // It may have ended (or failed to start) before the pid file was read.
          const pid = await readPid(statePath(config, "initPid"), 0).catch(() => 0);
          if (!pid && result.code !== 0) {
            // Its stderr is the process's (already being read): the
            // runtime's log says why.
            throw new Error(await runtimeError(config, "", "exec"));
          }
          return pid;
        }),
      ]);
      return;
    }
    const { child, master } = await this.#spawnRuntime((config) => spawnExec(config, true), "exec");
    this.#pid = await readPid(statePath(config, "initPid"));
    this.#takeIo(child, master);
    this.#setEnded(() => waitForPid(this.#pid));
  }

  /**
   * Spawn a runtime command that detaches (create, run --detach, exec
   * --detach), with the console socket for a tty, and wait for it. Its
   * stdio stays the container's; nothing is read from it until the runtime
   * has succeeded, so the runtime's own errors never land in the log.
   */
  async #spawnRuntime(
    spawn: (config: ShimConfig) => Deno.ChildProcess,
    verb: RuntimeVerb,
  ): Promise<{ child: Deno.ChildProcess; master?: number }> {
    const { config } = this;
    const consoleFd = config.tty ? listenUnixRaw(statePath(config, "console")) : -1;
    const masterPromise = consoleFd >= 0 ? receiveFd(consoleFd) : undefined;
    const child = spawn(config);
    const status = await child.status;
    if (!status.success) {
      const stderr = await readAll(child.stderr);
      if (consoleFd >= 0) {
        masterPromise?.catch(() => {}); // accept fails once the listener is shut
        closeListener(consoleFd);
      }
      if (!config.tty) await child.stdout.cancel().catch(() => {});
      await this.#attach?.end();
      throw new Error(await runtimeError(config, stderr, verb));
    }
    if (!masterPromise) return { child };
    await child.stderr.cancel().catch(() => {});
    const master = await masterPromise;
    closeListener(consoleFd);
    await Deno.remove(statePath(config, "console")).catch(() => {});
    if (config.consoleSize) setWindowSize(master, config.consoleSize.rows, config.consoleSize.cols);
    return { child, master };
  }

  #takeIo(child: Deno.ChildProcess, master: number | undefined): void {
    const sink = this.#outputSink();
    this.#io = master === undefined ? pipeIo(child, sink) : ptyIo(master, sink);
    this.#setIo(this.#io);
  }

  /**
   * Reap the process and write the exit record at once (the cgroup's OOM
   * count is read before anything deletes it). Then, side by side, the
   * runtime deletes a container while its remaining output drains to the
   * log and the attachers. `onExit` runs once all output is written, so
   * whoever hears of the exit can read the whole log; this resolves once
   * the container is deleted too.
   */
  async waitForExit(onExit: (exit: ExitRecord) => Promise<void>): Promise<void> {
    const { exitCode, signal } = await (await this.#ended)();
    this.#diagnostics(`process ${this.#pid} exited: code ${exitCode}`);
    const exit: ExitRecord = {
      protocol: PROTOCOL_VERSION,
      id: this.config.id,
      pid: this.#pid,
      exitCode,
      signal,
      oomKilled: this.#oomKilled(),
      exitedAt: formatRfc3339Nano(preciseNow()),
    };
    await writeJsonAtomic(statePath(this.config, "exit"), exit, {
      durable: !this.config.volatileExit,
    });
    const deleted = this.config.exec
      ? Promise.resolve()
      : this.#starting.then(() => deleteContainer(this.config)).then((error) => {
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

  /** Reopen the log file (a no-op for a container without one). */
  async reopenLog(): Promise<void> {
    if (this.#state === "exited") throw new Error("the container is not running");
    await this.#log?.reopen();
  }

  #outputSink(): OutputSink {
    const log = this.#log;
    const attach = this.#attach!;
    return {
      write: async (stream: OutputStream, chunk: Uint8Array) => {
        const sent = attach.broadcast(stream, chunk);
        await log?.write(stream, chunk);
        await sent;
      },
      end: (stream: OutputStream) => log?.flush(stream),
    };
  }

  #oomKilled(): boolean {
    const path = this.config.oomEventsPath;
    const text = path ? readSmallFile(path) : undefined;
    const match = text ? /^oom_kill (\d+)$/m.exec(text) : null;
    return match !== null && Number(match[1]) > 0;
  }
}

/** Read a pid file, waiting up to `timeoutMs` for it to appear. */
async function readPid(path: string, timeoutMs = 0): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const pid = Number((await Deno.readTextFile(path)).trim());
      if (pid > 0) return pid;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (Date.now() >= deadline) throw new Error(`no pid in ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}
