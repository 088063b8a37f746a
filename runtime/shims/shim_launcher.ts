/**
 * Getting a shim ready for a container: spawn it detached (its own session,
 * so it outlives the daemon) with permissions scoped to the state dirs it
 * serves, and wait for its standby handshake; or use the standby state dir
 * a pooled shim already serves for the container's id.
 * @module
 */

import { SHIM_FILES, type ShimHandshake } from "../../protocol/shim_protocol.ts";
import { logFileNames } from "../../protocol/container_log.ts";
import { log } from "../logger.ts";
import { closeOnExecAll } from "../system/libc.ts";
import { ShimConnection } from "./shim_client.ts";
import { withTimeout } from "../../lib/timeout.ts";

/** Where the shim's code is and how to run it. */
export interface ShimProgram {
  /** The deno binary. */
  deno: string;
  /** The shim's entry module (shim/main.ts or a bundle of it). */
  entry: string;
}

/** What one shim may touch. */
export interface ShimGrant {
  stateDir: string;
  libcPath: string;
  /** The container's log, under each name its formats give it (none for an exec). */
  logPaths?: string[];
  /** How many log files (the current one and rotated ones) it may write. */
  logFiles: number;
  /** Directories whose logs it may write (a CRI pod's log directory). */
  logDirs?: string[];
  /** The runtime binaries it may run. */
  runtimePaths: string[];
}

/** The shim failed before its container ran; the message says why. */
export class ShimStartError extends Error {}

/**
 * The Deno permission flags of one shim process: the files of the state
 * dirs it serves and nothing else. The grants share the libc and runtimes.
 */
export function shimPermissions(grants: ShimGrant[]): string[] {
  const files = grants.flatMap((grant) => [
    grant.stateDir,
    ...(grant.logPaths ?? []).flatMap((path) => logFileNames(path, Math.max(grant.logFiles, 1))),
    ...(grant.logDirs ?? []),
  ]).join(",");
  const sockets = grants.flatMap(({ stateDir }) => [
    `unix:${stateDir}/${SHIM_FILES.control}`,
    `unix:${stateDir}/${SHIM_FILES.attach}`,
  ]);
  const runtimePaths = [...new Set(grants.flatMap((grant) => grant.runtimePaths))];
  return [
    `--allow-read=${files}`,
    `--allow-write=${files}`,
    `--allow-run=${runtimePaths.join(",")}`,
    `--allow-ffi=${grants[0].libcPath}`,
    `--allow-net=${sockets.join(",")}`,
  ];
}

/**
 * Spawn a shim serving one state dir per grant (a shim group when there
 * are several; the dirs are created here), each in standby, and wait for
 * its handshake; with `niceness` it boots at that priority (pooled shims).
 */
export async function spawnShim(
  program: ShimProgram,
  grants: ShimGrant[],
  options: { niceness?: number } = {},
): Promise<{ shimPid: number }> {
  for (const { stateDir } of grants) {
    await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
    await Deno.chmod(stateDir, 0o700); // also when it was there, whatever the umask
  }
  const [first, ...more] = grants;
  closeOnExecAll();
  const niceness = options.niceness ? ["-n", String(options.niceness), program.deno] : [];
  const child = new Deno.Command(niceness.length ? "nice" : program.deno, {
    args: [
      ...niceness,
      "run",
      "--no-prompt",
      "--no-config",
      "--quiet",
      ...shimPermissions(grants),
      program.entry,
      first.stateDir,
      first.libcPath,
      String(Deno.pid),
      ...more.map((grant) => grant.stateDir),
    ],
    // Not a state dir: each goes with its container, the shim may stay.
    cwd: "/",
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  // Reap the shim when it exits while this daemon runs.
  child.status.then((status) => {
    if (!status.success) log.debug("shim exited", { dir: first.stateDir, code: status.code });
  });
  child.unref();
  const stderr = collectStartupErrors(child.stderr);
  const line = await readFirstLine(child.stdout);
  let handshake: ShimHandshake;
  try {
    handshake = JSON.parse(line);
  } catch {
    // No handshake: the shim died at start; its stderr says why.
    const text = await stderr.finish(5_000);
    throw new ShimStartError(`the shim failed to start: ${text.trim() || "no handshake"}`);
  }
  // Nobody reads the shim's stderr from now on; closing our end means a
  // write there fails (SIGPIPE is ignored) instead of blocking the shim.
  stderr.abandon();
  if (!handshake.ok) throw new ShimStartError(handshake.error);
  // What it can do is learned from its hello (ShimConnection.abilities).
  return { shimPid: handshake.shimPid };
}

/** Connect to the shim of `stateDir` if one answers there in standby. */
async function connectStandby(stateDir: string): Promise<ShimConnection | undefined> {
  let connection: ShimConnection;
  try {
    connection = await ShimConnection.connect(`${stateDir}/${SHIM_FILES.control}`);
  } catch {
    return undefined;
  }
  try {
    if ((await connection.hello()).standby) return connection;
  } catch {
    // not a shim that answers
  }
  connection.close();
  return undefined;
}

/**
 * A connection to a standby shim for `grant.stateDir`: the one waiting there
 * (started by the pool) when `reuse` allows, else a fresh one.
 */
export async function standbyShim(
  program: ShimProgram,
  grant: ShimGrant,
  reuse: boolean,
): Promise<ShimConnection> {
  const waiting = await connectStandby(grant.stateDir);
  if (waiting && reuse) return waiting;
  if (waiting) await shutdownConnection(waiting);
  await Deno.remove(grant.stateDir, { recursive: true }).catch(() => {});
  await spawnShim(program, [grant]);
  const connection = await ShimConnection.connect(`${grant.stateDir}/${SHIM_FILES.control}`);
  await connection.hello();
  return connection;
}

async function shutdownConnection(connection: ShimConnection): Promise<void> {
  await connection.shutdown().catch(() => {});
  await withTimeout(connection.closed, 2000);
  connection.close();
}

/** Tell a standby shim in `stateDir` to quit; true when there was one. */
export async function shutdownStandbyShim(stateDir: string): Promise<boolean> {
  const connection = await connectStandby(stateDir);
  if (!connection) return false;
  await shutdownConnection(connection);
  return true;
}

/**
 * Tell the shim in `stateDir` to quit, standby or not; it refuses while its
 * container has a process.
 */
export async function shutdownShim(stateDir: string): Promise<void> {
  const connection = await ShimConnection.connect(`${stateDir}/${SHIM_FILES.control}`)
    .catch(() => undefined);
  if (connection) await shutdownConnection(connection);
}

/** Stop a standby shim, if one waits in `stateDir`, and remove the dir. */
export async function discardStandbyShim(stateDir: string): Promise<void> {
  await shutdownStandbyShim(stateDir);
  await Deno.remove(stateDir, { recursive: true }).catch(() => {});
}

/**
 * The shim's one handshake line. Deno keeps a duplicate of fd 1, so the
 * pipe never reaches EOF while the shim lives: stop at the newline.
 */
async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.split("\n")[0];
}

/** Buffer a shim's stderr until told to stop. */
function collectStartupErrors(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || text.length > 64 * 1024) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // cancelled
    }
  })();
  return {
    /** Wait (bounded) for the rest of the output of an exiting shim. */
    async finish(timeoutMs: number): Promise<string> {
      await withTimeout(done, timeoutMs);
      reader.cancel().catch(() => {});
      return text;
    },
    abandon(): void {
      reader.cancel().catch(() => {});
    },
  };
}
