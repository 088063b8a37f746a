/**
 * The systems the benchmark compares, behind one shape: a docker-like CLI
 * (berth, docker and podman all take `run`, `exec`, `attach`, `rm`), the
 * processes that make up the engine, and, where there is a daemon, a way to
 * kill and restart it.
 * @module
 */

import { BERTH, runCommand, type TestDaemon } from "../tests/helpers/harness.ts";
import { httpRequest } from "../cli/http_client.ts";

/** One engine under test. */
export interface Engine {
  /** "berth+runc", "docker (runc)", ... */
  readonly name: string;
  /** The CLI and its global flags. */
  readonly cli: string[];
  /** Environment for the CLI (podman's containers.conf). */
  readonly env?: Record<string, string>;
  /** Flags every `run` gets (runtime, network). */
  readonly runFlags: string[];
  /** Flags for removing running containers at once. */
  readonly removeFlags: string[];
  /** The per-container monitor processes (shim, containerd-shim, conmon) of `ids`. */
  monitorPids(ids: string[]): Promise<number[]>;
  /** Every process of the engine: daemons, monitors, idle helpers. */
  enginePids(): Promise<number[]>;
  /** The API socket, where the engine has a daemon. */
  readonly apiSocket?: string;
  /** Kill the daemon with SIGKILL and start it again (resolves once it is spawned). */
  killAndRespawnDaemon?(): Promise<void>;
}

/** `engine`'s CLI running `args`, as a shell command line. */
export function shellLine(engine: Engine, args: string[]): string {
  return [...engine.cli, ...args].map(quote).join(" ");
}

/** Single-quote `word` for bash. */
export function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Run `engine`'s CLI; throws unless it exits 0; returns stdout. */
export async function engineOk(engine: Engine, args: string[]): Promise<string> {
  const result = await runCommand(engine.cli[0], [...engine.cli.slice(1), ...args], {
    env: engine.env,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) {
    throw new Error(`${engine.name}: ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

/** Pids of processes whose command line matches `pattern` (pgrep -f). */
export async function pgrep(pattern: string): Promise<number[]> {
  const found = await runCommand("pgrep", ["-f", pattern]);
  return found.stdout.split("\n").filter(Boolean).map(Number);
}

/** True once GET /_ping on `socket` answers 200. */
export async function pingOk(socket: string): Promise<boolean> {
  try {
    const response = await httpRequest(socket, { method: "GET", path: "/_ping" });
    await response.text();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** How many containers GET /containers/json on `socket` lists (running ones). */
export async function runningCount(socket: string): Promise<number> {
  const response = await httpRequest(socket, { method: "GET", path: "/containers/json" });
  if (response.status !== 200) {
    await response.text();
    return -1;
  }
  return (await response.json<unknown[]>()).length;
}

/** berth on `daemon` with `runtime`. */
export function berthEngine(daemon: TestDaemon, runtime: "runc" | "crun"): Engine {
  return {
    name: `berth+${runtime}`,
    cli: [BERTH, "-H", daemon.host],
    runFlags: ["--runtime", runtime, "--network", "none"],
    removeFlags: ["-f"],
    apiSocket: daemon.socket,
    monitorPids: (ids) => Promise.all(ids.map((id) => daemon.shimPid(id))),
    enginePids: async () => [
      // From its bundle or its sources.
      ...await pgrep(`(daemon\\.js|main\\.ts daemon) --root ${daemon.root} `),
      ...await pgrep(`--allow-read=${daemon.runRoot}/`),
    ],
    killAndRespawnDaemon: async () => {
      await daemon.kill9();
      await daemon.spawnProcess();
    },
  };
}
