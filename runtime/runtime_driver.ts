/**
 * The one place the daemon invokes an OCI runtime (runc, crun, or any
 * binary with their command line). The shim runs `create`, `start` and
 * `delete` for its own container; every other call goes through here.
 * @module
 */

/** A registered runtime. */
export interface RuntimeInfo {
  name: string;
  /** Absolute path of the binary. */
  path: string;
  /** The runtime's `--root`: its container state lives there. */
  root: string;
}

/**
 * True when `<runtime> run --detach` leaves the status of a container that
 * exits at once to the subreaper (the shim). runc does; crun's detached
 * run sometimes reaps it itself, and the exit code would be lost.
 */
export function runsDetachedKeepingExit(runtime: RuntimeInfo): boolean {
  return runtime.path.endsWith("/runc");
}

/** A runtime call that failed, with the runtime's own message. */
export class RuntimeError extends Error {
  constructor(readonly runtime: string, readonly verb: string, message: string) {
    super(`${runtime} ${verb} failed: ${message}`);
  }

  /** True when the runtime no longer knows the container. */
  get containerGone(): boolean {
    return /does not exist|not found|no such file|not exist/i.test(this.message);
  }

  /**
   * True when the container is not running (already stopped), or its init
   * exited while the runtime looked for it (crun: "open pidfd: No such
   * process", a kill racing an exit).
   */
  get notRunning(): boolean {
    return /not running|is stopped|already (stopped|exited)|no such process/i.test(this.message);
  }
}

/** A container's state according to the runtime (`state` output). */
export interface RuntimeState {
  status: "creating" | "created" | "running" | "paused" | "stopped" | string;
  pid: number;
}

const decoder = new TextDecoder();

/** Pull the message out of runc's logrus line or crun's plain text. */
function cleanMessage(stderr: string): string {
  const lines = stderr.trim().split("\n").filter(Boolean);
  const last = lines.at(-1) ?? "";
  const logrus = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  if (logrus) return JSON.parse(`"${logrus[1]}"`);
  return last || "unknown error";
}

/** Calls into one OCI runtime. */
export class RuntimeDriver {
  constructor(readonly runtime: RuntimeInfo) {}

  async #run(verb: string, args: string[]): Promise<string> {
    const output = await new Deno.Command(this.runtime.path, {
      args: ["--root", this.runtime.root, verb, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new RuntimeError(this.runtime.name, verb, cleanMessage(decoder.decode(output.stderr)));
    }
    return decoder.decode(output.stdout);
  }

  /** Send a signal to the init (or, with `all`, to every process). */
  async kill(id: string, signal: number, all = false): Promise<void> {
    await this.#run("kill", all ? ["--all", id, String(signal)] : [id, String(signal)]);
  }

  /** Freeze every process of the container. */
  async pause(id: string): Promise<void> {
    await this.#run("pause", [id]);
  }

  /** Thaw a paused container. */
  async resume(id: string): Promise<void> {
    await this.#run("resume", [id]);
  }

  /** Remove the container from the runtime, killing it if needed. */
  async delete(id: string): Promise<void> {
    await this.#run("delete", ["--force", id]);
  }

  /** Change the cgroup limits of a running container (OCI linux.resources in `file`). */
  async update(id: string, file: string): Promise<void> {
    await this.#run("update", ["--resources", file, id]);
  }

  /** The runtime's view of the container. */
  async state(id: string): Promise<RuntimeState> {
    const state = JSON.parse(await this.#run("state", [id]));
    return { status: String(state.status), pid: Number(state.pid ?? 0) };
  }

  /** Host pids of every process in the container (`ps --format json`). */
  async pids(id: string): Promise<number[]> {
    const parsed = JSON.parse(await this.#run("ps", ["--format", "json", id]));
    return Array.isArray(parsed) ? parsed.map(Number) : [];
  }
}
