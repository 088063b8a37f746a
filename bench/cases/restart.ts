/**
 * Case 6: the daemon killed with SIGKILL and started again while
 * containers run: time until the API answers, and until all of them are
 * listed running (berth; docker with live-restore).
 * @module
 */

import { type Engine, pingOk, runningCount } from "../engines.ts";

/** Milliseconds from the kill to the first answer, and to all `running` listed. */
export interface RestartTimes {
  ready: number;
  listed: number;
}

/** Kill and restart `engine`'s daemon with `running` containers up. */
export async function timeRestart(engine: Engine, running: number): Promise<RestartTimes> {
  const socket = engine.apiSocket!;
  await new Promise((resolve) => setTimeout(resolve, 250));
  const started = performance.now();
  await engine.killAndRespawnDaemon!();
  const deadline = Date.now() + 120_000;
  while (!await pingOk(socket)) {
    if (Date.now() > deadline) throw new Error(`${engine.name} did not come back`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ready = performance.now() - started;
  while (await runningCount(socket).catch(() => -1) !== running) {
    if (Date.now() > deadline) throw new Error(`${engine.name} did not list ${running} running`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { ready, listed: performance.now() - started };
}
