/**
 * Case 9 (`cri`): berth as a Kubernetes runtime beside containerd 1.6's
 * CRI plugin, both driven by crictl on the same CNI bridge and the same
 * images (critest's offline stand-ins behind a registry mirror): a pod
 * from nothing to a running container (`runp` + `create` + `start`),
 * `ExecSync` round trips, and memory with 20 pods running.
 * @module
 */

import { freePort, runCommand, TestDaemon } from "../../tests/helpers/harness.ts";
import {
  CRI_SHARED,
  CRICTL,
  criFlags,
  removeCniNetwork,
  writeCniNetwork,
} from "../../tests/helpers/cri.ts";
import { timedShell } from "../bench_support.ts";
import type { Comparison } from "../report.ts";
import { alternate, summarize, summarizeAll } from "../stats.ts";
import { memoryOf } from "./memory.ts";
import type { BenchContext } from "./context.ts";

const IMAGES_DIR = "/tmp/berth-critest-images";
const IMAGE = "registry.k8s.io/e2e-test-images/busybox:1.29-2";
const PODS_FOR_MEMORY = 20;

/** One CRI endpoint under test. */
interface CriEngine {
  name: string;
  endpoint: string;
  /** The monitor processes (shims) and all engine processes. */
  monitorPids(): Promise<number[]>;
  enginePids(): Promise<number[]>;
}

async function pgrep(pattern: string): Promise<number[]> {
  const result = await runCommand("pgrep", ["-f", pattern]);
  return result.stdout.split("\n").filter(Boolean).map(Number);
}

function crictlLine(engine: CriEngine, args: string): string {
  return `${CRICTL} --runtime-endpoint ${engine.endpoint} --image-endpoint ${engine.endpoint} ${args}`;
}

async function crictl(engine: CriEngine, args: string): Promise<string> {
  const result = await runCommand("bash", ["-c", crictlLine(engine, args)], { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`${engine.name}: crictl ${args}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Pod and container configs with a fresh pod name (crictl reads them from files). */
async function podFiles(dir: string, command: string[]): Promise<[string, string]> {
  const uid = crypto.randomUUID();
  const pod = `${dir}/pod-${uid}.json`;
  const container = `${dir}/container-${uid}.json`;
  await Deno.writeTextFile(
    pod,
    JSON.stringify({
      metadata: { name: `bench-${uid.slice(0, 8)}`, namespace: "bench", uid, attempt: 0 },
      hostname: "bench",
      linux: {},
    }),
  );
  await Deno.writeTextFile(
    container,
    JSON.stringify({ metadata: { name: "main" }, image: { image: IMAGE }, command, linux: {} }),
  );
  return [pod, container];
}

/** containerd 1.6 with its CRI plugin on a root of its own, its registry mirror and CNI config. */
async function startContainerd(dir: string, registry: string, confDir: string) {
  await Deno.mkdir(`${dir}/certs.d/registry.k8s.io`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/certs.d/registry.k8s.io/hosts.toml`,
    `server = "https://registry.k8s.io"\n[host."http://${registry}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  await Deno.writeTextFile(
    `${dir}/config.toml`,
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      "[grpc]",
      `  address = "${dir}/containerd.sock"`,
      '[plugins."io.containerd.grpc.v1.cri"]',
      '  sandbox_image = "registry.k8s.io/pause:3.6"',
      // No CAP_SYS_RESOURCE here: never a score below containerd's own.
      "  restrict_oom_score_adj = true",
      '  [plugins."io.containerd.grpc.v1.cri".cni]',
      '    bin_dir = "/usr/lib/cni"',
      `    conf_dir = "${confDir}"`,
      '  [plugins."io.containerd.grpc.v1.cri".registry]',
      `    config_path = "${dir}/certs.d"`,
      "",
    ].join("\n"),
  );
  const child = new Deno.Command("setsid", {
    args: [
      "bash",
      "-c",
      `exec containerd --config ${dir}/config.toml >> ${dir}/containerd.log 2>&1`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let tries = 0; tries < 100; tries++) {
    if (await Deno.stat(`${dir}/containerd.sock`).then(() => true, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

/** Bytes sent through one port-forward connection. */
const FORWARD_BYTES = 1024 * 1024 * 1024; // 1 GiB

/** Seconds to read {@link FORWARD_BYTES} from `port` (the pod's `nc` sends zeros). */
async function readForwarded(port: number): Promise<number> {
  const started = performance.now();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let received = 0;
  const buffer = new Uint8Array(256 * 1024);
  try {
    while (received < FORWARD_BYTES) {
      const count = await conn.read(buffer);
      if (count === null) break;
      received += count;
    }
  } finally {
    conn.close();
  }
  if (received < FORWARD_BYTES) throw new Error(`port-forward gave ${received} bytes`);
  return (performance.now() - started) / 1000;
}

/** Run `crictl port-forward POD LOCAL:9000` until `body` is done. */
async function withPortForward<T>(
  engine: CriEngine,
  podId: string,
  body: (port: number) => Promise<T>,
): Promise<T> {
  const port = freePort();
  const child = new Deno.Command("bash", {
    args: ["-c", `exec ${crictlLine(engine, `port-forward ${podId} ${port}:9000`)}`],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const output = child.stdout.getReader();
  try {
    // Ready once it says so (a probe connection would use up the pod's nc).
    let text = "";
    while (!text.includes("Forwarding from")) {
      const { value, done } = await output.read();
      if (done) throw new Error(`crictl port-forward ended: ${text}`);
      text += new TextDecoder().decode(value);
    }
    return await body(port);
  } finally {
    child.kill();
    output.cancel().catch(() => {});
    await child.status;
  }
}

/** The CRI rows: pod start, ExecSync, streaming exec, port-forward, memory with 20 pods. */
export async function criCase(context: BenchContext): Promise<Comparison[]> {
  const images = await runCommand("bash", [
    `${CRI_SHARED}/cri/critest-images.sh`,
    "5799",
    IMAGES_DIR,
  ], { timeoutMs: 300_000 });
  if (images.code !== 0) throw new Error(`critest-images.sh failed: ${images.stderr}`);
  const registry = "127.0.0.1:5799";
  const dir = `${context.workDir}/cri`;
  await Deno.mkdir(`${dir}/configs`, { recursive: true });
  const daemon = await TestDaemon.create("runc");
  const network = await writeCniNetwork(daemon);
  const containerdDir = `${dir}/containerd`;
  await Deno.mkdir(containerdDir, { recursive: true });
  let containerd: Deno.ChildProcess | undefined;
  const engines: CriEngine[] = [];
  try {
    await daemon.restartWith([
      ...criFlags(daemon, network),
      "--registry-mirror",
      `registry.k8s.io=http://${registry}`,
      "--log-level",
      "info",
    ]);
    containerd = await startContainerd(containerdDir, registry, network.confDir);
    engines.push({
      name: "berth (runc)",
      endpoint: `unix://${daemon.dir}/cri.sock`,
      monitorPids: () => pgrep(`shim.js ${daemon.runRoot}/c/`),
      enginePids: async () => [daemon.pid, ...await pgrep(`shim.js ${daemon.runRoot}/c/`)],
    }, {
      name: "containerd 1.6 (runc)",
      endpoint: `unix://${containerdDir}/containerd.sock`,
      monitorPids: () => pgrep(`containerd-shim-runc-v2 .*-address ${containerdDir}/`),
      enginePids: async () => [
        ...await pgrep(`containerd --config ${containerdDir}/`),
        ...await pgrep(`containerd-shim-runc-v2 .*-address ${containerdDir}/`),
      ],
    });
    for (const engine of engines) {
      await crictl(engine, `pull ${IMAGE}`);
      await crictl(engine, "pull registry.k8s.io/pause:3.6");
    }
    const byName = new Map(engines.map((engine) => [engine.name, engine]));
    const names = engines.map((engine) => engine.name);

    console.error(`cri pod start: ${context.runs} rounds`);
    const starts = await alternate(names, context.runs, async (name) => {
      const engine = byName.get(name)!;
      const [pod, container] = await podFiles(`${dir}/configs`, ["sleep", "3600"]);
      const line = `P=$(${crictlLine(engine, `runp ${pod}`)}) && C=$(${
        crictlLine(engine, `create $P ${container} ${pod}`)
      }) && ${crictlLine(engine, "start $C")}`;
      const ms = await timedShell(`bash -c '${line}'`);
      await crictl(engine, "rmp -af");
      return ms;
    });

    console.error(`cri exec: ${context.runs} rounds`);
    const targets = new Map<string, string>();
    for (const engine of engines) {
      const [pod, container] = await podFiles(`${dir}/configs`, ["sleep", "3600"]);
      const podId = await crictl(engine, `runp ${pod}`);
      const id = await crictl(engine, `create ${podId} ${container} ${pod}`);
      await crictl(engine, `start ${id}`);
      targets.set(engine.name, id);
    }
    const execs = await alternate(
      names,
      context.runs,
      (name) => timedShell(crictlLine(byName.get(name)!, `exec -s ${targets.get(name)} true`)),
    );
    console.error(`cri streaming exec: ${context.runs} rounds`);
    const streamingExecs = await alternate(
      names,
      context.runs,
      (name) => timedShell(crictlLine(byName.get(name)!, `exec ${targets.get(name)} true`)),
    );
    for (const engine of engines) await crictl(engine, "rmp -af");

    console.error(`cri port-forward: ${context.runs} rounds of 1 GiB`);
    const forwardPods = new Map<string, string>();
    for (const engine of engines) {
      // A new connection per round: nc serves one, the loop starts the next.
      const [pod, container] = await podFiles(`${dir}/configs`, [
        "sh",
        "-c",
        `while true; do head -c ${FORWARD_BYTES} /dev/zero | nc -l -p 9000; done`,
      ]);
      const podId = await crictl(engine, `runp ${pod}`);
      await crictl(engine, `start $(${crictlLine(engine, `create ${podId} ${container} ${pod}`)})`);
      forwardPods.set(engine.name, podId);
    }
    const forwards = await alternate(names, context.runs, async (name) => {
      const engine = byName.get(name)!;
      const seconds = await withPortForward(engine, forwardPods.get(name)!, readForwarded);
      return FORWARD_BYTES / 1e6 / seconds;
    });
    for (const engine of engines) await crictl(engine, "rmp -af");

    console.error(`cri memory: ${PODS_FOR_MEMORY} pods each`);
    const memory: Record<string, { shimPss: number; enginePss: number; shims: number }> = {};
    for (const engine of engines) {
      for (let index = 0; index < PODS_FOR_MEMORY; index++) {
        const [pod, container] = await podFiles(`${dir}/configs`, ["sleep", "3600"]);
        const podId = await crictl(engine, `runp ${pod}`);
        await crictl(
          engine,
          `start $(${crictlLine(engine, `create ${podId} ${container} ${pod}`)})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const shims = await engine.monitorPids();
      const all = new Set([...await engine.enginePids(), ...shims]);
      const pss = async (pids: Iterable<number>) => {
        let total = 0;
        for (const pid of pids) total += (await memoryOf(pid)).pss;
        return total;
      };
      memory[engine.name] = {
        shimPss: await pss(shims) / PODS_FOR_MEMORY,
        enginePss: await pss(all) / PODS_FOR_MEMORY,
        shims: shims.length,
      };
      await crictl(engine, "rmp -af");
    }
    context.raw.cri = { starts, execs, streamingExecs, forwards, memory };
    const [berth, peer] = names;
    const startSummaries = summarizeAll(starts);
    const execSummaries = summarizeAll(execs);
    const streamingSummaries = summarizeAll(streamingExecs);
    const forwardSummaries = summarizeAll(forwards);
    const one = (value: number) => summarize([value]);
    return [
      {
        case: "CRI: runp + create + start (crictl)",
        chart: "CRI pod start",
        unit: "ms",
        berth: { system: berth, summary: startSummaries[berth] },
        peer: { system: peer, summary: startSummaries[peer] },
      },
      {
        case: "CRI: exec -s ID true (crictl)",
        chart: "CRI ExecSync",
        unit: "ms",
        berth: { system: berth, summary: execSummaries[berth] },
        peer: { system: peer, summary: execSummaries[peer] },
      },
      {
        case: "CRI: exec ID true, streaming (crictl, SPDY)",
        chart: "CRI streaming exec",
        unit: "ms",
        berth: { system: berth, summary: streamingSummaries[berth] },
        peer: { system: peer, summary: streamingSummaries[peer] },
      },
      {
        case: "CRI: port-forward, 1 GiB through one connection (crictl, SPDY)",
        chart: false,
        unit: "MB/s",
        berth: { system: berth, summary: forwardSummaries[berth] },
        peer: { system: peer, summary: forwardSummaries[peer] },
      },
      {
        case: `CRI: shim PSS per pod (${PODS_FOR_MEMORY} pods; berth ${
          memory[berth].shims
        } shims, containerd ${memory[peer].shims})`,
        chart: false,
        unit: "MiB",
        berth: { system: berth, summary: one(memory[berth].shimPss) },
        peer: { system: peer, summary: one(memory[peer].shimPss) },
      },
      {
        case: `CRI: all engine processes' PSS ÷ ${PODS_FOR_MEMORY} pods`,
        chart: false,
        unit: "MiB",
        berth: { system: berth, summary: one(memory[berth].enginePss) },
        peer: { system: peer, summary: one(memory[peer].enginePss) },
      },
    ];
  } finally {
    for (const engine of engines) await crictl(engine, "rmp -af").catch(() => {});
    if (containerd) {
      containerd.kill("SIGTERM");
      await containerd.status;
    }
    await runCommand("umount", ["-l", ...await mountsUnder(containerdDir)]).catch(() => {});
    await daemon.cleanup();
    await removeCniNetwork(daemon, network);
    const pid = await Deno.readTextFile(`${IMAGES_DIR}/registry.pid`).catch(() => "");
    if (pid.trim()) await runCommand("kill", [pid.trim()]);
  }
}

/** Mount points below `dir` (containerd's shm and rootfs mounts), deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const mounts = (await runCommand("cat", ["/proc/mounts"])).stdout;
  return mounts.split("\n").map((line) => line.split(" ")[1]).filter((point) =>
    point?.startsWith(`${dir}/`)
  ).reverse();
}
