/**
 * The contract between the berth daemon and its per-container shim.
 *
 * Everything a daemon and a shim exchange is defined here and described in
 * docs/shim-protocol.md: the argv, the files in the shim's state directory,
 * and the newline-delimited JSON messages on the control socket. A newer
 * daemon must keep managing containers started by an older shim, so fields
 * are only ever added, and every record carries the protocol version it was
 * written with.
 *
 * This module imports nothing: the shim depends on Deno and this file only.
 * @module
 */

/**
 * Version of the protocol spoken by this build (shim and daemon). 1: the
 * first release; 2: `hello` announces {@link SHIM_FEATURES}.
 */
export const PROTOCOL_VERSION = 2;

/**
 * What was added to the protocol after the first release, one name each;
 * a shim announces those it has in `hello` (protocol 2 on; a protocol 1
 * shim announces nothing and has none of them). docs/shim-protocol.md
 * lists each with the release it came in.
 */
export const SHIM_FEATURES = [
  /** Several STATE_DIR arguments: one process serves a group. */
  "shim-groups",
  /** `log.format` in the config (`k8s-file`, the CRI format). */
  "log-format",
  /** `runDetached` in the config: one `<runtime> run --detach` at start. */
  "run-detached",
  /** `volatileExit` in the config: the exit record without fsync. */
  "volatile-exit",
  /** The `reopen-log` op: the log file opened again by its path (CRI log rotation). */
  "reopen-log",
] as const;

/** One of {@link SHIM_FEATURES}. */
export type ShimFeature = typeof SHIM_FEATURES[number];

/** What a shim can do, as its `hello` said. */
export interface ShimAbilities {
  protocol: number;
  /** Features beyond protocol 1 (names this build may not know are kept, never used). */
  features: readonly string[];
}

/** The features a config asks of the shim that gets it. */
export function featuresNeeded(config: ShimConfig): ShimFeature[] {
  const needed: ShimFeature[] = [];
  if (config.log?.format && config.log.format !== "json-file") needed.push("log-format");
  if (config.runDetached) needed.push("run-detached");
  if (config.volatileExit) needed.push("volatile-exit");
  return needed;
}

/** Why a shim with `abilities` cannot take `config`; undefined when it can. */
export function configRefusal(config: ShimConfig, abilities: ShimAbilities): string | undefined {
  if (config.protocol > abilities.protocol) {
    return `the shim speaks protocol ${abilities.protocol}, the config needs ${config.protocol}`;
  }
  const missing = featuresNeeded(config).filter((name) => !abilities.features.includes(name));
  if (missing.length > 0) {
    return `the shim (protocol ${abilities.protocol}) lacks ${missing.join(", ")}, ` +
      "which the config needs";
  }
  return undefined;
}

/**
 * The feature each control op needs beyond protocol 1; the daemon refuses
 * to send an op its shim lacks.
 */
export const OP_FEATURES: Partial<Record<ControlRequest["op"], ShimFeature>> = {
  "reopen-log": "reopen-log",
};

/** Why a shim with `abilities` cannot do `op`; undefined when it can. */
export function opRefusal(op: ControlRequest["op"], abilities: ShimAbilities): string | undefined {
  const feature = OP_FEATURES[op];
  if (!feature || abilities.features.includes(feature)) return undefined;
  return `the container's shim (protocol ${abilities.protocol}, from an older berth) cannot ` +
    `${op}: it lacks ${feature}; restart the container to give it a shim of today`;
}

/** This build's own abilities (its shim announces them). */
export const OWN_ABILITIES: ShimAbilities = { protocol: PROTOCOL_VERSION, features: SHIM_FEATURES };

/** Files inside a shim's state directory. */
export const SHIM_FILES = {
  /** The ShimConfig of the container, kept by the shim once it has one. */
  config: "shim.json",
  /** Present while the shim waits, with no container yet (standby). */
  standby: "standby",
  /** The shim's own pid, written atomically once it is up. */
  shimPid: "shim.pid",
  /** The container init's pid, written by the OCI runtime (`--pid-file`). */
  initPid: "init.pid",
  /** An exec's OCI process, for `<runtime> exec --process`. */
  process: "process.json",
  /** Control socket served by the shim (newline-delimited JSON). */
  control: "control.sock",
  /** Attach socket served by the shim (mode 0600). */
  attach: "attach.sock",
  /** Console socket the runtime sends the pty master to (tty containers). */
  console: "console.sock",
  /** The runtime's own log (`--log ... --log-format json`). */
  runtimeLog: "runtime.log",
  /** ExitRecord, written atomically when the container has exited. */
  exit: "exit.json",
  /** The shim's diagnostics. */
  shimLog: "shim.log",
} as const;

/** The log formats a shim writes (laid out in container_log.ts). */
export type LogFormat = "json-file" | "k8s-file";

/** How the container's output is logged (docker's rotation semantics). */
export interface LogConfig {
  /** Path of the current log file; rotated files are `path.1` .. `path.N-1`. */
  path: string;
  /** Rotate when the file would grow past this many bytes; 0 = never. */
  maxSize: number;
  /** Number of files kept, the current one included (>= 1). */
  maxFiles: number;
  /** Entry format; absent means json-file (all protocol 1 shims before k8s-file). */
  format?: LogFormat;
}

/** What the daemon tells a shim to run; `shim.json` in the state dir. */
export interface ShimConfig {
  protocol: number;
  /** Container id (the runtime's), or the exec id for an exec. */
  id: string;
  /** Absolute path of the OCI bundle (holds config.json). */
  bundle: string;
  /** Absolute path of the shim's state directory. */
  stateDir: string;
  runtime: {
    /** Registered runtime name (runc, crun, ...). */
    name: string;
    /** Absolute path of the runtime binary. */
    path: string;
    /** The runtime's `--root` (its state directory). */
    root: string;
  };
  /** Allocate a pty (the runtime sends its master over the console socket). */
  tty: boolean;
  /** Keep the container's stdin open (a pipe, or the pty). */
  openStdin: boolean;
  /** Close stdin after the first attacher that holds it detaches. */
  stdinOnce: boolean;
  /** Initial console size for tty containers. */
  consoleSize?: { rows: number; cols: number };
  /** The json-file log; execs have none (their output is only streamed). */
  log?: LogConfig;
  /**
   * Run a process in a running container (`<runtime> exec`) instead of a
   * container of its own; `bundle` is then unused.
   */
  exec?: ExecConfig;
  /**
   * A cgroup file with an `oom_kill N` line (v1 memory.oom_control or v2
   * memory.events), read before the runtime deletes the container.
   */
  oomEventsPath?: string;
  /** Absolute path of libc, for FFI. */
  libcPath: string;
  /**
   * Run the container with one `<runtime> run --detach` at `start` instead
   * of `create` at `create` and `start` at `start`: one runtime call less.
   * Only for runtimes that leave a fast exit's status to the subreaper
   * (runc does; `crun run --detach` sometimes reaps it itself). Absent:
   * create, then start (older daemons).
   */
  runDetached?: boolean;
  /**
   * Write the exit record without fsync: set for a `--rm` container, which
   * a power loss removes all the same. Absent: fsynced (older daemons).
   */
  volatileExit?: boolean;
  /** Attach limits; defaults apply when absent (older daemons). */
  attach?: { maxAttachers: number; queueBytes: number };
}

/** A process to run in an existing container. */
export interface ExecConfig {
  /** The container the process joins. */
  containerId: string;
  /** The OCI process (args, env, cwd, user, terminal, ...), written to process.json. */
  process: Record<string, unknown>;
}

/** Default attach limits. */
export const DEFAULT_ATTACH_LIMITS = { maxAttachers: 16, queueBytes: 8 * 1024 * 1024 };

/** First line a client sends on the attach socket: the streams it wants. */
export interface AttachRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** The shim's answer to an AttachRequest; then output frames follow. */
export type AttachReply = { ok: true } | { ok: false; error: string };

/**
 * The one line a shim writes on its stdout once it serves its control
 * socket and waits, in standby, for a `create`.
 */
export type ShimHandshake =
  | { protocol: number; ok: true; shimPid: number }
  | { protocol: number; ok: false; error: string };

/** Written by the shim once the container has exited (`exit.json`). */
export interface ExitRecord {
  protocol: number;
  id: string;
  /** Pid of the container's init on the host. */
  pid: number;
  /** Exit status: the code, or 128+n when killed by signal n. */
  exitCode: number;
  /** Signal number that killed the init, if any. */
  signal?: number;
  /** True when the cgroup recorded an OOM kill. */
  oomKilled: boolean;
  /** RFC 3339 time with nanoseconds. */
  exitedAt: string;
}

/** Lifecycle of a container as the shim sees it. */
export type ShimContainerState = "creating" | "created" | "running" | "exited";

/** A container's status as reported by a shim. */
export interface ShimStatus {
  id: string;
  state: ShimContainerState;
  pid?: number;
  exit?: ExitRecord;
}

/** Requests a client sends on the control socket. */
export type ControlRequest =
  | { seq: number; op: "hello"; protocol: number; features?: readonly string[] }
  | { seq: number; op: "create"; config: ShimConfig }
  | { seq: number; op: "start"; id: string }
  | { seq: number; op: "status"; id: string }
  | { seq: number; op: "resize"; id: string; rows: number; cols: number }
  | { seq: number; op: "reopen-log"; id: string }
  | { seq: number; op: "shutdown" };

/** A shim's answer to hello. */
export interface ShimHelloReply {
  protocol: number;
  /** Protocol 2 on (absent from a protocol 1 shim: it has none). */
  features?: string[];
  shimPid: number;
  ids: string[];
  /** Waiting for a `create` (absent from shims before standby: they had their container). */
  standby?: boolean;
}

/** A request as a client writes it, before its `seq`. */
export type ControlRequestBody = ControlRequest extends infer R
  ? R extends ControlRequest ? Omit<R, "seq"> : never
  : never;

/** Replies and events the shim sends on the control socket. */
export type ControlMessage =
  | {
    seq: number;
    ok: true;
    hello?: ShimHelloReply;
    status?: ShimStatus;
  }
  | { seq: number; ok: false; error: string }
  | { event: "exit"; id: string; exit: ExitRecord };

/** Split a byte stream into newline-delimited JSON values. */
export class JsonLineDecoder<T> {
  #pending = "";
  #decoder = new TextDecoder();

  /** Feed bytes; returns the complete values they finish. */
  push(chunk: Uint8Array): T[] {
    // Only the new text can hold a newline: a long line (a big exec
    // config) is scanned once, not once per chunk.
    let from = this.#pending.length;
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const values: T[] = [];
    let newline: number;
    while ((newline = this.#pending.indexOf("\n", from)) >= 0) {
      const line = this.#pending.slice(0, newline).trim();
      this.#pending = this.#pending.slice(newline + 1);
      from = 0;
      if (line) values.push(JSON.parse(line) as T);
    }
    return values;
  }
}

/** Encode one message as a JSON line. */
export function encodeJsonLine(message: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message) + "\n");
}
