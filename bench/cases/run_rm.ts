/**
 * Case 1: `run --rm busybox true` on every engine and on the bare
 * runtimes (`runc run` / `crun run` of an equivalent bundle).
 * @module
 */

import { bareBundle, timedShell } from "../bench_support.ts";
import { type Engine, shellLine } from "../engines.ts";
import { type Comparison, ratioAtMost } from "../report.ts";
import { alternate, summarizeAll } from "../stats.ts";
import { allEngines, type BenchContext, peerPairs } from "./context.ts";

/** The most berth may add to a bare `run`, in milliseconds. */
const ADDED_LIMIT_MS = 60;
/** berth ÷ peer targets, by peer. */
const PEER_TARGETS: Record<string, number> = { "docker (runc)": 0.25, "podman (crun)": 0.4 };

/** Time `run --rm busybox true` everywhere; rows against the peers and the bare runtimes. */
export async function runRmCase(context: BenchContext): Promise<Comparison[]> {
  const bundle = await bareBundle(context.daemon, context.workDir, ["true"]);
  let bareCount = 0;
  const systems = new Map<string, () => Promise<number>>();
  for (const engine of allEngines(context)) {
    systems.set(
      engine.name,
      () =>
        timedShell(
          shellLine(engine, ["run", "--rm", ...engine.runFlags, "busybox", "true"]),
          engine.env,
        ),
    );
  }
  for (const runtime of ["runc", "crun"]) {
    const root = `${context.workDir}/bare-${runtime}`;
    systems.set(
      `${runtime} run`,
      () => timedShell(`${runtime} --root ${root} run --bundle ${bundle} bare${++bareCount}`),
    );
  }
  console.error(
    `run --rm busybox true: ${context.runs} rounds of ${[...systems.keys()].join(", ")}`,
  );
  const times = await alternate([...systems.keys()], context.runs, (name) => systems.get(name)!());
  const summaries = summarizeAll(times);
  context.raw.runRm = summaries;
  const figure = (engine: Engine | string) => {
    const system = typeof engine === "string" ? engine : engine.name;
    return { system, summary: summaries[system] };
  };
  const rows: Comparison[] = [];
  for (const [berth, peer] of peerPairs(context)) {
    const row: Comparison = {
      case: "run --rm busybox true",
      chart: "run --rm true",
      unit: "ms",
      berth: figure(berth),
      peer: figure(peer),
    };
    row.targets = [ratioAtMost(row, PEER_TARGETS[peer.name])];
    rows.push(row);
  }
  for (const [berth, bare] of [[context.berthRunc, "runc run"], [context.berthCrun, "crun run"]]) {
    const row: Comparison = {
      case: "run --rm busybox true",
      chart: "run --rm true",
      unit: "ms",
      berth: figure(berth),
      peer: figure(bare),
    };
    const added = row.berth.summary.median - row.peer!.summary.median;
    row.targets = [{
      text: `added ${added.toFixed(1)} ms ≤ ${ADDED_LIMIT_MS} ms`,
      met: added <= ADDED_LIMIT_MS,
    }];
    rows.push(row);
  }
  return rows;
}
