/**
 * Starting a shim: write its config into its state dir, spawn it detached
 * (its own session, so it outlives the daemon) with permissions scoped to
 * that container, and read its one-line handshake.
 * @module
 */

import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import {
  PROTOCOL_VERSION,
  SHIM_FILES,
  type ShimConfig,
  type ShimHandshake,
} from "../../protocol/shim_protocol.ts";
import { logFileNames } from "../../protocol/json_log.ts";
import { log } from "../logger.ts";
import { closeOnExecAll } from "../system/libc.ts";

/** Where the shim's code is and how to run it. */
export interface ShimProgram {
  /** The deno binary. */
  deno: string;
  /** The shim's entry module (shim/main.ts or a bundle of it). */
  entry: string;
}

/** A shim that has created its container. */
export interface LaunchedShim {
  pid: number;
  shimPid: number;
  /** Resolves when the shim process exits (bounded: at most 10 s from the call). */
  readonly exited: Promise<void>;
}

/** The shim failed before its container ran; the message says why. */
export class ShimStartError extends Error {}

/** The Deno permission flags of one shim: its own files and nothing else. */
export function shimPermissions(config: ShimConfig): string[] {
  const logs = logFileNames(config.log.path, Math.max(config.log.maxFiles, 1));
  return [
    `--allow-read=${[config.stateDir, ...logs].join(",")}`,
    `--allow-write=${[config.stateDir, ...logs].join(",")}`,
    `--allow-run=${config.runtime.path}`,
    `--allow-ffi=${config.libcPath}`,
    `--allow-net=unix:${config.stateDir}/${SHIM_FILES.control},unix:${config.stateDir}/${SHIM_FILES.attach}`,
  ];
}

/** Write the config, spawn the shim, wait for its handshake. */
export async function launchShim(program: ShimProgram, config: ShimConfig): Promise<LaunchedShim> {
  await Deno.mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  await writeJsonAtomic(`${config.stateDir}/${SHIM_FILES.config}`, config, { durable: false });
  closeOnExecAll();
  const child = new Deno.Command(program.deno, {
    args: [
      "run",
      "--no-prompt",
      "--no-config",
      "--quiet",
      ...shimPermissions(config),
      program.entry,
      config.stateDir,
    ],
    cwd: config.stateDir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  // Reap the shim when it exits while this daemon runs.
  const status = child.status.then((status) => {
    if (!status.success) log.debug("shim exited", { id: config.id, code: status.code });
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
  if (handshake.protocol !== PROTOCOL_VERSION) {
    log.warn("shim speaks another protocol", { id: config.id, protocol: handshake.protocol });
  }
  return {
    pid: handshake.pid,
    shimPid: handshake.shimPid,
    get exited() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        status,
        new Promise<void>((resolve) => timer = setTimeout(resolve, 10_000)),
      ])
        .finally(() => clearTimeout(timer));
    },
  };
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
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([done, new Promise((resolve) => timer = setTimeout(resolve, timeoutMs))]);
      clearTimeout(timer);
      reader.cancel().catch(() => {});
      return text;
    },
    abandon(): void {
      reader.cancel().catch(() => {});
    },
  };
}
