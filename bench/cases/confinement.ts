/**
 * What confinement costs a start: `run --rm busybox true` with each
 * engine's default seccomp profile against `seccomp=unconfined` (the
 * runtime compiles the filter; berth resolves its profile once per
 * capability set), and berth under `--userns-remap` (idmapped layers, a
 * network namespace set up between create and start) against berth without.
 * @module
 */

import { timedShell } from "../bench_support.ts";
import { berthEngine, type Engine, shellLine } from "../engines.ts";
import type { Comparison } from "../report.ts";
import { alternate, summarizeAll } from "../stats.ts";
import { allEngines, type BenchContext } from "./context.ts";
import { busyboxRootfs, TestDaemon } from "../../tests/helpers/harness.ts";

const UNCONFINED = ["--security-opt", "seccomp=unconfined"];

/** A berth daemon with `--userns-remap default`, busybox imported. */
async function remappedDaemon(): Promise<TestDaemon> {
  const daemon = await TestDaemon.create("runc", [
    "--log-level",
    "info",
    "--userns-remap",
    "default",
  ]);
  // Its root must be reachable for the remapped uid.
  await Deno.chmod(daemon.dir, 0o711);
  await daemon.startProcess();
  await daemon.ok(["import", "--change", 'CMD ["sh"]', await busyboxRootfs(), "busybox"]);
  return daemon;
}

/** Time starts with and without the filter, and berth with a remapping. */
export async function confinementCase(context: BenchContext): Promise<Comparison[]> {
  const remapped = await remappedDaemon();
  try {
    const systems = new Map<string, () => Promise<number>>();
    const run = (engine: Engine, extra: string[]) => () =>
      timedShell(
        shellLine(engine, ["run", "--rm", ...engine.runFlags, ...extra, "busybox", "true"]),
        engine.env,
      );
    const engines = allEngines(context);
    for (const engine of engines) {
      systems.set(engine.name, run(engine, []));
      systems.set(`${engine.name} unconfined`, run(engine, UNCONFINED));
    }
    const remappedEngines = [berthEngine(remapped, "runc"), berthEngine(remapped, "crun")];
    for (const engine of remappedEngines) systems.set(`${engine.name} remapped`, run(engine, []));
    console.error(`confinement: ${context.runs} rounds of ${[...systems.keys()].join(", ")}`);
    const times = await alternate(
      [...systems.keys()],
      context.runs,
      (name) => systems.get(name)!(),
    );
    const summaries = summarizeAll(times);
    context.raw.confinement = summaries;
    const figure = (system: string) => ({ system, summary: summaries[system] });
    const rows: Comparison[] = engines.map((engine) => ({
      case: "run --rm true: default seccomp profile ÷ seccomp=unconfined",
      chart: false,
      unit: "ms",
      berth: figure(engine.name),
      peer: figure(`${engine.name} unconfined`),
    }));
    for (const engine of [context.berthRunc, context.berthCrun]) {
      rows.push({
        case: "run --rm true: --userns-remap default ÷ none",
        chart: false,
        unit: "ms",
        berth: figure(`${engine.name} remapped`),
        peer: figure(engine.name),
      });
    }
    return rows;
  } finally {
    await remapped.cleanup();
  }
}
