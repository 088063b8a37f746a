/**
 * Integration test harness: every test gets its own daemon on a temp root,
 * run root, socket and cgroup parent, and everything is cleaned up after
 * it, even when it fails. `integrationTest` runs a scenario once with runc
 * and once with crun.
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import { httpRequest } from "../../cli/http_client.ts";
import { ensureFreshBundles } from "./bundles.ts";

/** The repository root. */
export const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** The berth launcher. */
export const BERTH = `${REPO}/bin/berth`;
/** The runtimes every scenario runs with. */
export const RUNTIMES = ["runc", "crun"] as const;
export type RuntimeName = typeof RUNTIMES[number];

/** What a finished command printed and returned. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
}

const decoder = new TextDecoder();

/** Run a command to completion, optionally feeding stdin. */
export async function runCommand(
  command: string,
  args: string[],
  options: { stdin?: string | Uint8Array; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const child = new Deno.Command(command, {
    args,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs ?? 60_000);
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    const data = typeof options.stdin === "string"
      ? new TextEncoder().encode(options.stdin)
      : options.stdin;
    await writer.write(data).catch(() => {});
    await writer.close().catch(() => {});
  }
  const output = await child.output();
  clearTimeout(timer);
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    stdoutBytes: output.stdout,
  };
}

const artifacts = new Map<string, Promise<string>>();

/**
 * A file the tests build once per process (`/tmp/berth-test-NAME-PID`),
 * removed when the process ends; `build` makes it at the path given.
 */
export function testArtifact(
  name: string,
  build: (path: string) => Promise<void>,
): Promise<string> {
  let artifact = artifacts.get(name);
  if (!artifact) {
    artifact = (async () => {
      const path = `/tmp/berth-test-${name}-${Deno.pid}`;
      await build(path);
      globalThis.addEventListener("unload", () => {
        try {
          Deno.removeSync(path);
        } catch {
          // already gone
        }
      });
      return path;
    })();
    artifacts.set(name, artifact);
  }
  return artifact;
}

/** The busybox rootfs tar built by scripts/build_busybox_image.sh (once per run). */
export function busyboxRootfs(): Promise<string> {
  return testArtifact("busybox.tar", async (path) => {
    const result = await runCommand("bash", [`${REPO}/scripts/build_busybox_image.sh`, path]);
    if (result.code !== 0) throw new Error(`building the busybox image failed: ${result.stderr}`);
  });
}

function randomSuffix(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (byte) => byte.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** A daemon of our own, for one test. */
export class TestDaemon {
  readonly dir: string;
  readonly root: string;
  readonly runRoot: string;
  readonly socket: string;
  readonly cgroupParent: string;
  readonly logPath: string;
  readonly runtime: RuntimeName;
  /** The daemon's bridge (a name and subnet of its own); undefined with `--bridge none`. */
  readonly bridge: { name: string; bip: string } | undefined;
  #child: Deno.ChildProcess | undefined;
  #extraFlags: string[];
  /** The umask the daemon process is spawned with (the harness's own when unset). */
  umask: string | undefined;
  /** Flags added to the next starts (see {@link restartWith}). */
  #laterFlags: string[] = [];

  private constructor(dir: string, runtime: RuntimeName, extraFlags: string[]) {
    this.dir = dir;
    this.root = `${dir}/root`;
    this.runRoot = `${dir}/run`;
    this.socket = `${dir}/berth.sock`;
    this.cgroupParent = `/berth-test-${randomSuffix()}`;
    this.logPath = `${dir}/daemon.log`;
    this.runtime = runtime;
    const bridgeFlag = extraFlags.indexOf("--bridge");
    if (bridgeFlag < 0) {
      const [high, low] = crypto.getRandomValues(new Uint8Array(2));
      this.bridge = { name: `bt${randomSuffix()}`, bip: `10.${200 + high % 50}.${low}.1/24` };
      extraFlags = [...extraFlags, "--bridge", this.bridge.name, "--bip", this.bridge.bip];
    } else if (extraFlags[bridgeFlag + 1] !== "none") {
      const bipFlag = extraFlags.indexOf("--bip");
      this.bridge = {
        name: extraFlags[bridgeFlag + 1],
        bip: bipFlag >= 0 ? extraFlags[bipFlag + 1] : "10.87.0.1/16",
      };
    }
    this.#extraFlags = extraFlags;
  }

  /** Start a daemon whose default runtime is `runtime`. */
  static async start(runtime: RuntimeName, extraFlags: string[] = []): Promise<TestDaemon> {
    const daemon = await TestDaemon.create(runtime, extraFlags);
    await daemon.startProcess();
    return daemon;
  }

  /** A daemon's dir, root and socket, with no daemon started yet. */
  static async create(runtime: RuntimeName, extraFlags: string[] = []): Promise<TestDaemon> {
    await ensureFreshBundles();
    // Short paths: shim sockets live below the run root (108-byte limit).
    const dir = `/tmp/bt${randomSuffix()}`;
    await Deno.mkdir(dir, { mode: 0o700 });
    return new TestDaemon(dir, runtime, extraFlags);
  }

  /** The daemon's pid (bash and the launcher exec it). */
  get pid(): number {
    if (!this.#child) throw new Error("the daemon is not running");
    return this.#child.pid;
  }

  /** The -H value for clients. */
  get host(): string {
    return `unix://${this.socket}`;
  }

  /** (Re)start the daemon process on the same root and wait until it answers. */
  async startProcess(): Promise<void> {
    await this.spawnProcess();
    const child = this.#child!;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (await this.ping()) return;
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10)),
      ]);
      if (exited) throw new Error(`the daemon exited at start:\n${await this.log()}`);
    }
    throw new Error(`the daemon did not answer within 20 s:\n${await this.log()}`);
  }

  /** Start the (stopped) daemon again on the same root, with `flags` added to its own. */
  async restartWith(flags: string[]): Promise<void> {
    this.#laterFlags = flags;
    await this.startProcess();
  }

  /** Spawn the daemon process on the same root, without waiting for it. */
  async spawnProcess(): Promise<void> {
    await Deno.remove(this.socket).catch(() => {});
    const flags = [
      "daemon",
      "--root",
      this.root,
      "--run-root",
      this.runRoot,
      "--host",
      this.host,
      "--default-runtime",
      this.runtime,
      "--cgroup-parent",
      this.cgroupParent,
      "--log-level",
      "debug",
      ...this.#extraFlags,
      ...this.#laterFlags,
    ];
    const quoted = [BERTH, ...flags].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
    this.#child = new Deno.Command("bash", {
      args: [
        "-c",
        `${this.umask ? `umask ${this.umask}; ` : ""}exec ${quoted} >> '${this.logPath}' 2>&1`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  /** True when GET /_ping answers OK. */
  async ping(): Promise<boolean> {
    try {
      const response = await this.api("GET", "/_ping");
      return response.status === 200 && (await response.text()) === "OK";
    } catch {
      return false;
    }
  }

  /** The daemon's log so far. */
  async log(): Promise<string> {
    return await Deno.readTextFile(this.logPath).catch(() => "");
  }

  /** Kill the daemon with SIGKILL (its containers and shims live on). */
  async kill9(): Promise<void> {
    if (!this.#child) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#child.status;
    this.#child = undefined;
  }

  /** Stop the daemon with SIGTERM. */
  async stop(): Promise<void> {
    if (!this.#child) return;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
    this.#child = undefined;
  }

  /** Run the berth CLI against this daemon. */
  berth(
    args: string[],
    options: { stdin?: string | Uint8Array; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    return runCommand(BERTH, ["-H", this.host, ...args], options);
  }

  /** The CLI against this daemon as a shell command line; `args` are taken as written. */
  commandLine(args: string): string {
    return `'${BERTH}' -H '${this.host}' ${args}`;
  }

  /** Run the CLI and fail the test unless it exits 0; returns stdout. */
  async ok(args: string[], options: { stdin?: string | Uint8Array } = {}): Promise<string> {
    const result = await this.berth(args, options);
    if (result.code !== 0) {
      throw new Error(
        `berth ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`,
      );
    }
    return result.stdout;
  }

  /** Wait until the container's log contains `text`. */
  async waitForLog(name: string, text: string, ms = 10_000): Promise<void> {
    await eventually(
      async () => (await this.ok(["logs", name])).includes(text),
      ms,
      `"${text}" in the log of ${name}`,
    );
  }

  /** Wait until the daemon has wired `count` attach sessions to shims, in all. */
  async waitForAttachSessions(count: number): Promise<void> {
    await eventually(
      async () => (await this.log()).split('msg="attach session started"').length - 1 >= count,
      10_000,
      `${count} attach sessions`,
    );
  }

  /** A raw API request over the socket (the CLI's own HTTP client). */
  async api(method: string, path: string, body?: string | Uint8Array | null): Promise<Response> {
    const response = await httpRequest(this.socket, {
      method,
      path,
      body: typeof body === "string" ? new TextEncoder().encode(body) : body ?? undefined,
      headers: body ? { "Content-Type": "application/json" } : {},
    });
    const bytes = new Uint8Array(await new Response(response.body).arrayBuffer());
    return new Response(response.status === 204 || response.status === 304 ? null : bytes, {
      status: response.status,
      headers: Object.fromEntries(response.headers),
    });
  }

  /** Import the test busybox image as `name` (CMD sh). */
  async importBusybox(name = "busybox"): Promise<string> {
    return (await this.ok(["import", "--change", 'CMD ["sh"]', await busyboxRootfs(), name]))
      .trim();
  }

  /** The pid of the shim serving container (or exec) `id`. */
  async shimPid(id: string): Promise<number> {
    return Number((await Deno.readTextFile(`${this.runRoot}/c/${id}/shim.pid`)).trim());
  }

  /** Everything the daemon left behind (empty = no leaks). */
  async leaks(): Promise<string[]> {
    // The pool keeps 2 state dirs ready, booted a group at a time; a group
    // booted on demand and one refilling may wait besides.
    const flag = this.#extraFlags.indexOf("--shim-group-size");
    const groupSize = flag >= 0 ? Number(this.#extraFlags[flag + 1]) : 1;
    const result = await runCommand("bash", [
      `${REPO}/tests/helpers/leaks.sh`,
      this.root,
      this.runRoot,
      this.cgroupParent,
      String(groupSize === 1 ? 3 : 2 * groupSize + 2),
      this.bridge?.name ?? "",
    ]);
    return result.stdout.split("\n").filter(Boolean);
  }

  /** Stop the daemon and remove every trace of it. */
  async cleanup(): Promise<void> {
    await this.stop();
    await runCommand("bash", [
      `${REPO}/tests/helpers/cleanup.sh`,
      this.dir,
      this.root,
      this.runRoot,
      this.cgroupParent,
      this.bridge?.name ?? "",
    ]);
  }
}

/** Assert that nothing leaked. */
export async function assertNoLeaks(daemon: TestDaemon): Promise<void> {
  // A removal is reported while the shim finishes deleting the container
  // from the runtime (a few ms): what is left after 2 s is a leak.
  const deadline = Date.now() + 2000;
  let leaks = await daemon.leaks();
  while (leaks.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaks = await daemon.leaks();
  }
  deepStrictEqual(leaks, [], "leaked resources");
}

/**
 * Register a scenario once per runtime, each run with a fresh daemon and
 * the busybox image imported as "busybox".
 */
export function integrationTest(
  name: string,
  scenario: (daemon: TestDaemon, runtime: RuntimeName) => Promise<void>,
  options: {
    daemonFlags?: string[];
    importImage?: boolean;
    /** Where no container is involved, one runtime is enough. */
    runtimes?: readonly RuntimeName[];
    /** false: the scenario starts the daemon itself (its dir and root are made). */
    started?: boolean;
  } = {},
): void {
  for (const runtime of options.runtimes ?? RUNTIMES) {
    Deno.test({
      name: `${name} [${runtime}]`,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const daemon = options.started === false
          ? await TestDaemon.create(runtime, options.daemonFlags)
          : await TestDaemon.start(runtime, options.daemonFlags);
        try {
          if (options.importImage !== false && options.started !== false) {
            await daemon.importBusybox();
          }
          await scenario(daemon, runtime);
        } catch (error) {
          // The daemon's last words go with the error: `deno test --quiet`
          // shows no output of a test, but it shows the error's stack.
          const log = (await daemon.log()).split("\n").slice(-60).join("\n");
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(`${message}\n--- daemon log (${runtime}) ---\n${log}`, { cause: error });
        } finally {
          await daemon.cleanup();
        }
      },
    });
  }
}

/** "COUNT MD5" of what a shell command prints; it must exit 0. */
export async function byteCountAndMd5(command: string): Promise<string> {
  const result = await runCommand("bash", [
    "-c",
    `set -o pipefail; { ${command}; } | tee >(wc -c >&2) | md5sum`,
  ], { timeoutMs: 300_000 });
  deepStrictEqual(result.code, 0, result.stderr);
  return `${result.stderr.trim()} ${result.stdout.split(" ")[0]}`;
}

/** True while process `pid` exists. */
export async function processAlive(pid: number): Promise<boolean> {
  return (await runCommand("kill", ["-0", String(pid)])).code === 0;
}

/** A TCP port free on the loopback right now (for a test's listener or forward). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Wait until `check` is true (polling), or fail after `ms`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The body of GET `url`, once something answers there with a 2xx. */
export async function httpBody(url: string, ms = 10_000): Promise<string> {
  let body = "";
  await eventually(
    async () => {
      try {
        const response = await fetch(url);
        body = await response.text();
        return response.ok;
      } catch {
        return false;
      }
    },
    ms,
    `an answer from ${url}`,
  );
  return body;
}
