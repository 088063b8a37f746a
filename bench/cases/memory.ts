/**
 * Case 3: memory with containers running: the monitors' RSS and PSS per
 * container (berth's shims, one per group of containers;
 * containerd-shim-runc-v2; conmon), the daemons', and the PSS of every
 * engine process divided by the number of containers.
 * @module
 */

import { runCommand } from "../../tests/helpers/harness.ts";
import type { Engine } from "../engines.ts";
import { smapsField } from "../stats.ts";

/** RSS and PSS of one process, in MiB. */
export interface ProcessMemory {
  rss: number;
  pss: number;
}

/** What one engine uses with `containers` running. */
export interface EngineMemory {
  containers: number;
  /** How many monitor processes serve them. */
  monitors: number;
  /** The monitors' RSS and PSS ÷ containers. */
  monitorRss: number;
  monitorPss: number;
  /** Everything that is not a container's monitor: daemons, idle helpers. */
  daemonRss: number;
  daemonPss: number;
  /** All engine processes' PSS ÷ containers. */
  pssPerContainer: number;
}

/** RSS and PSS of `pid` in MiB (zero when it is gone). */
export async function memoryOf(pid: number): Promise<ProcessMemory> {
  const text = (await runCommand("cat", [`/proc/${pid}/smaps_rollup`])).stdout;
  const rss = smapsField(text, "Rss");
  const pss = smapsField(text, "Pss");
  return { rss: (rss || 0) / 1024, pss: (pss || 0) / 1024 };
}

/** Measure `engine` while the containers `ids` run. */
export async function engineMemory(engine: Engine, ids: string[]): Promise<EngineMemory> {
  const monitors = new Set(await engine.monitorPids(ids));
  const all = new Set([...await engine.enginePids(), ...monitors]);
  const measured = new Map<number, ProcessMemory>();
  for (const pid of all) measured.set(pid, await memoryOf(pid));
  const monitorFigures = [...monitors].map((pid) => measured.get(pid)!);
  const others = [...all].filter((pid) => !monitors.has(pid)).map((pid) => measured.get(pid)!);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    containers: ids.length,
    monitors: monitors.size,
    monitorRss: sum(monitorFigures.map((figure) => figure.rss)) / ids.length,
    monitorPss: sum(monitorFigures.map((figure) => figure.pss)) / ids.length,
    daemonRss: sum(others.map((figure) => figure.rss)),
    daemonPss: sum(others.map((figure) => figure.pss)),
    pssPerContainer: sum([...measured.values()].map((figure) => figure.pss)) / ids.length,
  };
}
