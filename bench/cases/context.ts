/**
 * What every benchmark case gets: the engines (berth always, the peers
 * with `--with-peers`), berth's daemon for the bare-runtime baselines, and
 * how many runs to make.
 * @module
 */

import type { TestDaemon } from "../../tests/helpers/harness.ts";
import type { Engine } from "../engines.ts";

/** The engines and settings of one benchmark invocation. */
export interface BenchContext {
  runs: number;
  daemon: TestDaemon;
  /** Scratch space for bare bundles and runtime roots. */
  workDir: string;
  berthRunc: Engine;
  berthCrun: Engine;
  docker?: Engine;
  podman?: Engine;
  /** Raw figures, written to the JSON results. */
  raw: Record<string, unknown>;
}

/** The engines berth is compared with: [berth variant, peer] with like runtimes. */
export function peerPairs(context: BenchContext): [Engine, Engine][] {
  const pairs: [Engine, Engine][] = [];
  if (context.docker) pairs.push([context.berthRunc, context.docker]);
  if (context.podman) pairs.push([context.berthCrun, context.podman]);
  return pairs;
}

/** The pairs rows compare; without peers, each berth variant on its own. */
export function comparisonPairs(context: BenchContext): [Engine, Engine | undefined][] {
  const pairs: [Engine, Engine | undefined][] = peerPairs(context);
  return pairs.length ? pairs : [[context.berthRunc, undefined], [context.berthCrun, undefined]];
}

/** Every engine in the run: both berth variants, then the peers present. */
export function allEngines(context: BenchContext): Engine[] {
  return [context.berthRunc, context.berthCrun, context.docker, context.podman].filter(
    (engine): engine is Engine => engine !== undefined,
  );
}
