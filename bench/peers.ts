/**
 * The peers berth is measured against, each on private roots and sockets
 * under one directory so the host's own engines (if any) are untouched:
 * docker (dockerd + containerd, runc, live-restore) and podman (crun).
 * bench/run.sh installs them from Debian when `--with-peers` asks for them.
 * @module
 */

import { runCommand } from "../tests/helpers/harness.ts";
import { type Engine, pgrep, pingOk } from "./engines.ts";

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`);
}

function spawnLogged(command: string, args: string[], logPath: string): Deno.ChildProcess {
  const line = [command, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  const child = new Deno.Command("setsid", {
    args: ["bash", "-c", `exec ${line} >> '${logPath}' 2>&1`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return child;
}

/** Unmount everything below `dir` (deepest first) and remove it. */
async function removeTree(dir: string): Promise<void> {
  // Deno grants /proc/self only with --allow-all; cat reads the same table.
  const mounts = (await runCommand("cat", ["/proc/self/mounts"])).stdout.split("\n")
    .map((line) => line.split(" ")[1])
    .filter((point) => point?.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await runCommand("umount", ["-l", point]);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/** dockerd and containerd of our own, on private roots. */
export class DockerPeer {
  readonly dir: string;
  readonly engine: Engine;
  #dockerd: Deno.ChildProcess | undefined;
  #containerd: Deno.ChildProcess | undefined;

  private constructor(dir: string) {
    this.dir = dir;
    const socket = `${dir}/docker.sock`;
    this.engine = {
      name: "docker (runc)",
      cli: ["docker", "-H", `unix://${socket}`],
      runFlags: ["--network", "none"],
      removeFlags: ["-f"],
      apiSocket: socket,
      monitorPids: () => pgrep(`containerd-shim-runc-v2 .*-address ${dir}/containerd.sock`),
      enginePids: async () => [
        ...await pgrep(`dockerd --data-root ${dir}/`),
        ...await pgrep(`containerd --config ${dir}/`),
        ...await pgrep(`containerd-shim-runc-v2 .*-address ${dir}/containerd.sock`),
      ],
      killAndRespawnDaemon: async () => {
        const pid = Number((await Deno.readTextFile(`${dir}/dockerd.pid`)).trim());
        await runCommand("kill", ["-KILL", String(pid)]);
        await this.#dockerd?.status;
        this.#spawnDockerd();
      },
    };
  }

  /** Start containerd and dockerd (live-restore, no bridge) in `dir`. */
  static async start(dir: string): Promise<DockerPeer> {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const peer = new DockerPeer(dir);
    await Deno.writeTextFile(
      `${dir}/containerd.toml`,
      [
        "version = 2",
        `root = "${dir}/containerd-root"`,
        `state = "${dir}/containerd-state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "[grpc]",
        `  address = "${dir}/containerd.sock"`,
        "",
      ].join("\n"),
    );
    peer.#containerd = spawnLogged(
      "containerd",
      ["--config", `${dir}/containerd.toml`],
      `${dir}/containerd.log`,
    );
    await waitFor("containerd", async () => {
      try {
        return (await Deno.stat(`${dir}/containerd.sock`)).isSocket === true;
      } catch {
        return false;
      }
    });
    peer.#spawnDockerd();
    await waitFor("dockerd", () => pingOk(`${dir}/docker.sock`));
    return peer;
  }

  #spawnDockerd(): void {
    this.#dockerd = spawnLogged("dockerd", [
      "--data-root",
      `${this.dir}/docker-root`,
      "--exec-root",
      `${this.dir}/docker-exec`,
      "-H",
      `unix://${this.dir}/docker.sock`,
      "--containerd",
      `${this.dir}/containerd.sock`,
      "--pidfile",
      `${this.dir}/dockerd.pid`,
      "--bridge",
      "none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-masq=false",
      "--live-restore",
      "--storage-driver",
      "overlay2",
      "--cgroup-parent",
      "/berth-bench-docker",
      // The hard RLIMIT_NOFILE here is 20000; docker's default asks for more.
      "--default-ulimit",
      "nofile=20000:20000",
    ], `${this.dir}/dockerd.log`);
  }

  /** Remove every container, stop both daemons, unmount and delete the directory. */
  async stop(): Promise<void> {
    const all = await runCommand(this.engine.cli[0], [...this.engine.cli.slice(1), "ps", "-aq"]);
    const ids = all.stdout.split("\n").filter(Boolean);
    if (ids.length) {
      await runCommand(this.engine.cli[0], [...this.engine.cli.slice(1), "rm", "-f", ...ids]);
    }
    for (const child of [this.#dockerd, this.#containerd]) {
      try {
        child?.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child?.status;
    }
    await removeTree(this.dir);
    await runCommand("bash", ["-c", "rmdir /sys/fs/cgroup/*/berth-bench-docker 2>/dev/null"]);
  }
}

/** podman with its own root, run root and containers.conf. */
export class PodmanPeer {
  readonly dir: string;
  readonly engine: Engine;

  private constructor(dir: string) {
    this.dir = dir;
    this.engine = {
      name: "podman (crun)",
      cli: [
        "podman",
        "--root",
        `${dir}/root`,
        "--runroot",
        `${dir}/run`,
        "--tmpdir",
        `${dir}/tmp`,
        "--storage-driver",
        "overlay",
        "--cgroup-manager",
        "cgroupfs",
        "--events-backend",
        "file",
      ],
      env: { CONTAINERS_CONF: `${dir}/containers.conf` },
      runFlags: ["--network", "none"],
      // podman's rm -f waits the stop timeout first; the others kill at once.
      removeFlags: ["-f", "-t", "0"],
      monitorPids: () => pgrep(`conmon .*-b ${dir}/root/`),
      enginePids: () => pgrep(`conmon .*-b ${dir}/root/`),
    };
  }

  /** A podman set up in `dir`. */
  static async start(dir: string): Promise<PodmanPeer> {
    await Deno.mkdir(`${dir}/tmp`, { recursive: true, mode: 0o700 });
    // podman asks for RLIMIT_NOFILE 1048576 by default; the hard limit here is 20000.
    await Deno.writeTextFile(
      `${dir}/containers.conf`,
      '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "crun"\n',
    );
    return new PodmanPeer(dir);
  }

  /** Remove every container and delete the directory. */
  async stop(): Promise<void> {
    const [command, ...args] = this.engine.cli;
    await runCommand(command, [...args, "rm", "-af", "-t", "0"], { env: this.engine.env });
    await removeTree(this.dir);
  }
}
