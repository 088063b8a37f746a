/**
 * berth's benchmark, side by side with docker, podman and the bare
 * runtimes in one invocation on one machine:
 *
 *   deno task bench [--runs N] [--with-peers]
 *                   [--cases run-rm,scale,stdout,exec,images,confinement,networks,builds,cri]
 *                   [--shim-group-size N]
 *
 * Without `--with-peers` berth is compared with bare runc and crun only
 * (quick enough to run after every change). Every figure is a median of
 * runs alternated between the systems; the table gives berth ÷ peer for
 * every row, and bench/results/ keeps it with the raw numbers and a chart.
 * `--shim-group-size` runs berth's daemon with shim groups of that size.
 * @module
 */

import { parseArgs } from "node:util";

/** The cases, in the order they run; `--cases` picks some. */
const CASES = [
  "run-rm",
  "scale",
  "stdout",
  "exec",
  "images",
  "confinement",
  "networks",
  "builds",
  "cri",
];
import { busyboxRootfs, REPO, TestDaemon } from "../tests/helpers/harness.ts";
import { barChartSvg, renderPng } from "./chart.ts";
import { berthEngine, type Engine, engineOk } from "./engines.ts";
import { DockerPeer, PodmanPeer } from "./peers.ts";
import { chartBars, type Comparison, comparisonTable, resultStem } from "./report.ts";
import type { BenchContext } from "./cases/context.ts";
import { runRmCase } from "./cases/run_rm.ts";
import { scaleCase } from "./cases/scale.ts";
import { throughputCase } from "./cases/throughput.ts";
import { execAttachCase } from "./cases/exec_attach.ts";
import { imagesCase } from "./cases/images.ts";
import { confinementCase } from "./cases/confinement.ts";
import { networksCase } from "./cases/networks.ts";
import { buildsCase } from "./cases/builds.ts";
import { criCase } from "./cases/cri.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "10" },
    "with-peers": { type: "boolean", default: false },
    cases: { type: "string", default: CASES.join(",") },
    "shim-group-size": { type: "string" },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("berth bench: --runs must be a whole number of at least 1");
  Deno.exit(2);
}
const withPeers = values["with-peers"];
const cases = new Set(values.cases.split(","));
const unknown = [...cases].filter((name) => !CASES.includes(name));
if (unknown.length) {
  console.error(`berth bench: unknown case ${unknown.join(", ")}; the cases: ${CASES.join(", ")}`);
  Deno.exit(2);
}

async function importBusybox(engine: Engine): Promise<void> {
  await engineOk(engine, ["import", "--change", 'CMD ["sh"]', await busyboxRootfs(), "busybox"]);
}

const workDir = await Deno.makeTempDir({ prefix: "bb", dir: "/tmp" });
const groupSize = values["shim-group-size"];
const daemon = await TestDaemon.start("runc", [
  "--log-level",
  "info",
  ...(groupSize ? ["--shim-group-size", groupSize] : []),
]);
let docker: DockerPeer | undefined;
let podman: PodmanPeer | undefined;
const rows: Comparison[] = [];
const context: BenchContext = {
  runs,
  daemon,
  workDir,
  berthRunc: berthEngine(daemon, "runc"),
  berthCrun: berthEngine(daemon, "crun"),
  raw: {},
};
let stopped: Promise<void> | undefined;
/** Stop the peers and berth and remove their roots (once). */
function stopAll(): Promise<void> {
  stopped ??= (async () => {
    await docker?.stop().catch((error) => console.error(`stopping docker: ${error}`));
    await podman?.stop().catch((error) => console.error(`stopping podman: ${error}`));
    await daemon.cleanup();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  })();
  return stopped;
}
// Interrupted: leave no daemons, containers or mounts behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    console.error(`${signal}: cleaning up`);
    await stopAll();
    Deno.exit(130);
  });
}
try {
  await importBusybox(context.berthRunc);
  if (withPeers) {
    docker = await DockerPeer.start(`${workDir}/docker`);
    podman = await PodmanPeer.start(`${workDir}/podman`);
    context.docker = docker.engine;
    context.podman = podman.engine;
    await importBusybox(docker.engine);
    await importBusybox(podman.engine);
  }
  if (cases.has("run-rm")) rows.push(...await runRmCase(context));
  if (cases.has("scale")) rows.push(...await scaleCase(context, withPeers ? [20, 100] : [20]));
  if (cases.has("stdout")) {
    rows.push(...await throughputCase(context, withPeers ? ["dd", "head"] : ["dd"]));
  }
  if (cases.has("exec")) rows.push(...await execAttachCase(context));
  if (cases.has("images")) rows.push(...await imagesCase(context));
  if (cases.has("confinement")) rows.push(...await confinementCase(context));
  if (cases.has("networks")) rows.push(...await networksCase(context));
  if (cases.has("builds")) rows.push(...await buildsCase(context));
  if (cases.has("cri")) rows.push(...await criCase(context));
} finally {
  await stopAll();
}

const host = Deno.hostname();
const now = new Date();
// Runs with shim groups are kept apart from the default's.
const stem = resultStem(REPO, now, host) + (groupSize ? `-shim-group-${groupSize}` : "");
const name = stem.split("/").at(-1)!;
const title = `berth ${
  withPeers ? "vs docker, podman and the bare runtimes" : "vs the bare runtimes"
}`;
const header =
  `# ${title}\n\n${now.toISOString()} on ${host} (${navigator.hardwareConcurrency} cpus), ` +
  `medians of ${runs} alternated runs (min–max in brackets). Made by ` +
  `\`deno task bench ${Deno.args.join(" ")}\`.\n\n`;
const table = comparisonTable(rows);
console.log(header + table);
const svg = barChartSvg(`${title} (${host}, ${now.toISOString().slice(0, 10)})`, chartBars(rows));
await Deno.mkdir(`${REPO}/bench/results`, { recursive: true });
await Deno.writeTextFile(`${stem}.md`, `${header}${table}\n![chart](${name}.png)\n`);
await Deno.writeTextFile(
  `${stem}.json`,
  JSON.stringify(
    { host, date: now.toISOString(), runs, withPeers, rows, raw: context.raw },
    null,
    2,
  ) + "\n",
);
await Deno.writeTextFile(`${stem}.svg`, svg);
await Deno.writeFile(`${stem}.png`, await renderPng(svg));
console.log(`written: ${stem}.{md,json,svg,png}`);
