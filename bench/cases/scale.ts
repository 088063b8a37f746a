/**
 * Case 2 (with 3 and 6 riding on it): N containers started detached at
 * once, wall time until all are running, then the time to remove them all
 * in one command. While they run: memory (first round) and the daemon
 * restart (largest N).
 * @module
 */

import { runCommand } from "../../tests/helpers/harness.ts";
import { type Engine, engineOk } from "../engines.ts";
import { type Comparison, ratioAtMost } from "../report.ts";
import { alternate, summarize, summarizeAll, type Summary } from "../stats.ts";
import { allEngines, type BenchContext, comparisonPairs } from "./context.ts";
import { type EngineMemory, engineMemory } from "./memory.ts";
import { type RestartTimes, timeRestart } from "./restart.ts";

/** What berth runs besides the containers' shims. */
const BERTH_DAEMON = "berth daemon + standby shims";
/** berth ÷ podman target for starting 20 at once. */
const TWENTY_VS_PODMAN = 0.3;

/** Start `count` containers with one CLI process each, all at once; ids and milliseconds. */
async function startAtOnce(engine: Engine, count: number): Promise<{ ms: number; ids: string[] }> {
  await new Promise((resolve) => setTimeout(resolve, 250));
  const [command, ...global] = engine.cli;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, () =>
      runCommand(
        command,
        [...global, "run", "-d", ...engine.runFlags, "busybox", "sleep", "100000"],
        { env: engine.env, timeoutMs: 600_000 },
      )),
  );
  const ms = performance.now() - started;
  const ids = results.filter((result) => result.code === 0).map((result) => result.stdout.trim());
  const failed = results.find((result) => result.code !== 0);
  if (failed) {
    if (ids.length) await engineOk(engine, ["rm", ...engine.removeFlags, ...ids]);
    throw new Error(`${engine.name}: run -d failed: ${failed.stderr}`);
  }
  const listed = (await engineOk(engine, ["ps", "-q", "--no-trunc"])).split("\n").filter(Boolean);
  const missing = ids.filter((id) => !listed.includes(id));
  if (missing.length) throw new Error(`${engine.name}: ${missing.length} containers not running`);
  return { ms, ids };
}

/** Milliseconds to remove `ids` with one `rm -f`. */
async function removeAll(engine: Engine, ids: string[]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 250));
  const started = performance.now();
  await engineOk(engine, ["rm", ...engine.removeFlags, ...ids]);
  return performance.now() - started;
}

/** Run the scale case for each of `sizes`; the restart is measured at the largest. */
export async function scaleCase(context: BenchContext, sizes: number[]): Promise<Comparison[]> {
  const engines = allEngines(context);
  const byName = new Map(engines.map((engine) => [engine.name, engine]));
  const restartable = [context.berthRunc, context.docker].filter(
    (engine): engine is Engine => engine !== undefined,
  );
  const rows: Comparison[] = [];
  const memory: Record<string, EngineMemory> = {};
  const restarts: Record<string, RestartTimes[]> = {};
  for (const size of sizes) {
    const removals: Record<string, number[]> = {};
    const lastSize = size === Math.max(...sizes);
    console.error(`${size} at once: ${context.runs} rounds of ${[...byName.keys()].join(", ")}`);
    const starts = await alternate([...byName.keys()], context.runs, async (name) => {
      const engine = byName.get(name)!;
      const { ms, ids } = await startAtOnce(engine, size);
      try {
        if (size === sizes[0] && !memory[name]) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          memory[name] = await engineMemory(engine, ids);
        }
        if (lastSize && restartable.includes(engine)) {
          (restarts[name] ??= []).push(await timeRestart(engine, size));
        }
      } finally {
        (removals[name] ??= []).push(await removeAll(engine, ids));
      }
      return ms;
    });
    const startSummaries = summarizeAll(starts);
    const removeSummaries = summarizeAll(removals);
    context.raw[`start${size}`] = startSummaries;
    context.raw[`remove${size}`] = removeSummaries;
    const pairs = comparisonPairs(context);
    for (
      const [label, chart, summaries] of [
        [`${size} × run -d at once, until all run`, `${size} at once`, startSummaries],
        [`rm -f of those ${size}`, `rm -f ${size}`, removeSummaries],
      ] as [string, string, Record<string, Summary>][]
    ) {
      for (const [berth, peer] of pairs) {
        const row: Comparison = {
          case: label,
          chart,
          unit: "ms",
          berth: { system: berth.name, summary: summaries[berth.name] },
          peer: peer && { system: peer.name, summary: summaries[peer.name] },
        };
        if (size === 20 && label.includes("run -d") && peer && peer === context.podman) {
          row.targets = [ratioAtMost(row, TWENTY_VS_PODMAN)];
        }
        rows.push(row);
      }
    }
  }
  context.raw.memory = memory;
  context.raw.restart = restarts;
  rows.push(...memoryRows(context, memory, sizes[0]));
  rows.push(...restartRows(context, restarts, Math.max(...sizes)));
  return rows;
}

function single(value: number): Summary {
  return summarize([value]);
}

function memoryRows(
  context: BenchContext,
  memory: Record<string, EngineMemory>,
  size: number,
): Comparison[] {
  const rows: Comparison[] = [];
  const pairs = comparisonPairs(context);
  const monitorName = (engine: Engine, memory: EngineMemory) =>
    `${
      engine.name.startsWith("docker")
        ? "containerd-shim"
        : engine.name.startsWith("podman")
        ? "conmon"
        : `${engine.name} shim`
    } (${memory.monitors} for ${memory.containers})`;
  for (const [berth, peer] of pairs) {
    const mine = memory[berth.name];
    const theirs = peer && memory[peer.name];
    rows.push({
      case: `monitor PSS per container (${size} running)`,
      chart: "monitor PSS",
      unit: "MiB",
      berth: { system: monitorName(berth, mine), summary: single(mine.monitorPss) },
      peer: peer && { system: monitorName(peer, theirs!), summary: single(theirs!.monitorPss) },
    }, {
      case: `monitor RSS per container (${size} running)`,
      chart: false,
      unit: "MiB",
      berth: { system: monitorName(berth, mine), summary: single(mine.monitorRss) },
      peer: peer && { system: monitorName(peer, theirs!), summary: single(theirs!.monitorRss) },
    }, {
      case: `all engine processes' PSS ÷ ${size} containers`,
      chart: "PSS per container",
      unit: "MiB",
      berth: { system: berth.name, summary: single(mine.pssPerContainer) },
      peer: peer && { system: peer.name, summary: single(theirs!.pssPerContainer) },
    });
    if (berth === context.berthRunc) {
      rows.push({
        case: `daemon PSS (${size} running)`,
        chart: "daemon PSS",
        unit: "MiB",
        berth: { system: BERTH_DAEMON, summary: single(mine.daemonPss) },
        peer: peer && { system: "dockerd + containerd", summary: single(theirs!.daemonPss) },
      }, {
        case: `daemon RSS (${size} running)`,
        chart: false,
        unit: "MiB",
        berth: { system: BERTH_DAEMON, summary: single(mine.daemonRss) },
        peer: peer && { system: "dockerd + containerd", summary: single(theirs!.daemonRss) },
      });
    }
  }
  return rows;
}

function restartRows(
  context: BenchContext,
  restarts: Record<string, RestartTimes[]>,
  size: number,
): Comparison[] {
  const berth = restarts[context.berthRunc.name];
  const docker = context.docker && restarts[context.docker.name];
  return (["ready", "listed"] as const).map((field) => ({
    case: field === "ready"
      ? `daemon kill -9 and restart: API answers (${size} running)`
      : `daemon kill -9 and restart: all ${size} listed running`,
    chart: field === "ready" ? "restart, API answers" : "restart, all listed",
    unit: "ms" as const,
    berth: { system: "berth", summary: summarize(berth.map((times) => times[field])) },
    peer: docker && {
      system: "docker, live-restore",
      summary: summarize(docker.map((times) => times[field])),
    },
  }));
}
