/**
 * The OCI runtime calls a shim makes itself: `create` (whose stdio becomes
 * the container's), `start` (so that a fast exit can never be deleted under
 * a start still running), or both at once with `run --detach`; `exec` for
 * an exec process, and `delete` once the container has exited. Everything
 * else the daemon does through its runtime driver.
 * @module
 */

import { SHIM_FILES, type ShimConfig } from "../protocol/shim_protocol.ts";
import { openPipes, setPipeSize } from "./libc.ts";

/** The runtime calls whose failures the shim reports. */
export type RuntimeVerb = "create" | "run" | "start" | "exec";

/** Paths of the files `create` leaves in the state directory. */
export function statePath(config: ShimConfig, name: keyof typeof SHIM_FILES): string {
  return `${config.stateDir}/${SHIM_FILES[name]}`;
}

function globalArgs(config: ShimConfig): string[] {
  return [
    "--root",
    config.runtime.root,
    "--log",
    statePath(config, "runtimeLog"),
    "--log-format",
    "json",
  ];
}

/**
 * Spawn `<runtime> create`, or `<runtime> run --detach` (create and start).
 * Without a tty its stdout and stderr (and stdin when open) are pipes the
 * container keeps after the runtime exits.
 */
export function spawnCreate(config: ShimConfig, verb: "create" | "run"): Deno.ChildProcess {
  const args = [
    ...globalArgs(config),
    ...(verb === "run" ? ["run", "--detach"] : ["create"]),
    "--bundle",
    config.bundle,
    "--pid-file",
    statePath(config, "initPid"),
  ];
  if (config.tty) args.push("--console-socket", statePath(config, "console"));
  args.push(config.id);
  return spawnWithProcessStdio(config, args);
}

/**
 * Spawn `<runtime> exec` of the process in `process.json`: in the
 * foreground (its stdio pipes are the process's, its exit status the
 * process's) or, with `detach`, handing a tty over the console socket.
 */
export function spawnExec(config: ShimConfig, detach: boolean): Deno.ChildProcess {
  if (!config.exec) throw new Error("not an exec");
  const args = [...globalArgs(config), "exec"];
  if (detach) args.push("--detach");
  if (config.tty) args.push("--console-socket", statePath(config, "console"));
  args.push(
    "--process",
    statePath(config, "process"),
    "--pid-file",
    statePath(config, "initPid"),
    config.exec.containerId,
  );
  return spawnWithProcessStdio(config, args);
}

/**
 * The pipe buffer asked for the process's stdio: a writer of big blocks
 * then hands a whole block over at once and the shim reads it in one go
 * (64 KiB pipes cap every read, and each read costs the shim a turn of its
 * event loop). Only pages that hold data cost memory.
 */
const PIPE_BUFFER_BYTES = 1024 * 1024;

/**
 * Spawn the runtime with the stdio the process will inherit: pipes (stdin
 * only when kept open), or nothing but stderr when a tty is handed over.
 * Deno does not say which descriptors its pipes got: the pipes that are
 * new after the spawn are this child's.
 */
function spawnWithProcessStdio(config: ShimConfig, args: string[]): Deno.ChildProcess {
  const pipesBefore = openPipes();
  const child = new Deno.Command(config.runtime.path, {
    args,
    stdin: config.openStdin && !config.tty ? "piped" : "null",
    stdout: config.tty ? "null" : "piped",
    stderr: "piped",
  }).spawn();
  for (const fd of openPipes()) if (!pipesBefore.has(fd)) setPipeSize(fd, PIPE_BUFFER_BYTES);
  return child;
}

/** `<runtime> start`; throws with the runtime's message. */
export async function startContainer(config: ShimConfig): Promise<void> {
  const output = await new Deno.Command(config.runtime.path, {
    args: [...globalArgs(config), "start", config.id],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(await runtimeError(config, new TextDecoder().decode(output.stderr), "start"));
  }
}

/** `<runtime> delete --force`; errors are returned, not thrown. */
export async function deleteContainer(config: ShimConfig): Promise<string | undefined> {
  const output = await new Deno.Command(config.runtime.path, {
    args: [...globalArgs(config), "delete", "--force", config.id],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (output.success) return undefined;
  return new TextDecoder().decode(output.stderr).trim() || `exit status ${output.code}`;
}

/**
 * The runtime's own explanation of a failure: the last error in its json
 * log, else what it printed on stderr.
 */
export async function runtimeError(
  config: ShimConfig,
  stderr: string,
  verb: RuntimeVerb = "create",
): Promise<string> {
  let fromLog = "";
  try {
    const text = await Deno.readTextFile(statePath(config, "runtimeLog"));
    for (const line of text.split("\n")) {
      try {
        const entry = JSON.parse(line);
        if (entry.level === "error" || entry.level === "fatal") fromLog = String(entry.msg);
      } catch {
        // not a JSON line
      }
    }
  } catch {
    // no log
  }
  const message = fromLog || stderr.trim() || "unknown error";
  const prefix = `${config.runtime.name} ${verb} failed: `;
  return prefix + message.replace(new RegExp(`^runc ${verb} failed: `), "");
}
