/**
 * berth's benchmark: start-up cost against the bare runtimes, memory of
 * shims and daemon, daemon start-to-ready. Every number is a median over
 * runs alternated with its baseline in the same invocation; the table gives
 * ratios. `deno task bench [--runs N]`.
 * @module
 */

import { parseArgs } from "node:util";
import { REPO, runCommand, TestDaemon } from "../tests/helpers/harness.ts";
import { bareBundle, timed, writeResults } from "./bench_support.ts";
import { alternate, formatMs, ratio, smapsField, summarize, type Summary } from "./stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "10" } },
});
const RUNS = Math.max(3, Number(values.runs));

async function memoryOf(pid: number): Promise<{ rss: number; pss: number }> {
  const text = (await runCommand("cat", [`/proc/${pid}/smaps_rollup`])).stdout;
  return { rss: smapsField(text, "Rss") / 1024, pss: smapsField(text, "Pss") / 1024 };
}

async function daemonPid(daemon: TestDaemon): Promise<number> {
  const found = await runCommand("pgrep", ["-f", `main.ts daemon --root ${daemon.root} `]);
  return Number(found.stdout.trim().split("\n")[0]);
}

async function timeToReady(
  daemon: TestDaemon,
  running: number,
): Promise<{ ready: number; listed: number }> {
  const started = performance.now();
  await daemon.startProcess();
  const ready = performance.now() - started;
  for (;;) {
    const ps = await daemon.berth(["ps", "-q"]);
    if (ps.stdout.trim().split("\n").filter(Boolean).length === running) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { ready, listed: performance.now() - started };
}

const rows: string[][] = [];
const raw: Record<string, unknown> = {};
const daemon = await TestDaemon.start("runc");
try {
  await daemon.importBusybox();
  const bundle = await bareBundle(daemon, daemon.dir, ["true"]);
  let bareCount = 0;
  console.error(`run --rm busybox true: ${RUNS} rounds`);
  const runs = await alternate(
    ["berth+runc", "berth+crun", "runc run", "crun run"],
    RUNS,
    (name) => {
      if (name.startsWith("berth")) {
        return timed("bash", [
          "-c",
          `exec ${REPO}/bin/berth -H ${daemon.host} run --rm --runtime ${
            name.slice(6)
          } busybox true`,
        ]);
      }
      const runtime = name.split(" ")[0];
      return timed(runtime, [
        "--root",
        `${daemon.dir}/bare-${runtime}`,
        "run",
        "--bundle",
        bundle,
        `bare${++bareCount}`,
      ]);
    },
  );
  const summaries = Object.fromEntries(
    Object.entries(runs).map(([name, times]) => [name, summarize(times)]),
  ) as Record<string, Summary>;
  raw.runRm = summaries;
  for (const runtime of ["runc", "crun"]) {
    const berth = summaries[`berth+${runtime}`];
    const bare = summaries[`${runtime} run`];
    rows.push([
      `run --rm busybox true (${runtime})`,
      formatMs(berth),
      `bare \`${runtime} run\`: ${formatMs(bare)}`,
      ratio(berth.median, bare.median),
      `+${(berth.median - bare.median).toFixed(1)} ms`,
    ]);
  }

  console.error("memory with 20 running containers");
  const ids: string[] = [];
  for (let index = 0; index < 20; index++) {
    ids.push(
      (await daemon.ok([
        "run",
        "-d",
        "--runtime",
        index % 2 ? "crun" : "runc",
        "busybox",
        "sleep",
        "1000",
      ])).trim(),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const shims = await Promise.all(ids.map(async (id) => {
    const pid = Number((await Deno.readTextFile(`${daemon.runRoot}/c/${id}/shim.pid`)).trim());
    return memoryOf(pid);
  }));
  const shimRss = summarize(shims.map((shim) => shim.rss));
  const shimPss = summarize(shims.map((shim) => shim.pss));
  const daemonMemory = await memoryOf(await daemonPid(daemon));
  raw.memory = { shimRss, shimPss, daemon: daemonMemory };
  rows.push([
    "one shim, RSS / PSS (median of 20)",
    `${shimRss.median.toFixed(1)} / ${shimPss.median.toFixed(1)} MiB`,
    "",
    "",
    "",
  ]);
  rows.push([
    "daemon, RSS / PSS (20 running)",
    `${daemonMemory.rss.toFixed(1)} / ${daemonMemory.pss.toFixed(1)} MiB`,
    "",
    "",
    "",
  ]);

  console.error("daemon start-to-ready");
  const empty: number[] = [];
  for (let round = 0; round < Math.min(RUNS, 5); round++) {
    const started = performance.now();
    const fresh = await TestDaemon.start("runc", ["--shim-pool", "0"]);
    empty.push(performance.now() - started);
    await fresh.cleanup();
  }
  const emptyReady = summarize(empty);
  raw.emptyStart = emptyReady;
  rows.push([
    "daemon start-to-ready (empty root, launcher included)",
    formatMs(emptyReady),
    "",
    "",
    "",
  ]);

  const restarts: { ready: number; listed: number }[] = [];
  for (let round = 0; round < Math.min(RUNS, 5); round++) {
    await daemon.kill9();
    restarts.push(await timeToReady(daemon, 20));
  }
  const ready = summarize(restarts.map((item) => item.ready));
  const listed = summarize(restarts.map((item) => item.listed));
  raw.restart = { ready, listed };
  rows.push(["daemon kill -9, restart: API answers (20 running)", formatMs(ready), "", "", ""]);
  rows.push(["daemon kill -9, restart: all 20 listed running", formatMs(listed), "", "", ""]);
  await daemon.ok(["rm", "-f", ...ids]);
} finally {
  await daemon.cleanup();
}

await writeResults("startup", RUNS, rows, raw);
