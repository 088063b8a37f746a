/**
 * Delivering a signal to a running container through its runtime, and
 * waiting for it to exit.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { RuntimeError } from "../runtime_driver.ts";
import type { Container } from "./container.ts";
import { withTimeout } from "../../lib/timeout.ts";

/**
 * Signal the container's init. A container that exits meanwhile is not an
 * error. A paused container is thawed so the signal can act.
 */
export async function signalContainer(
  context: DaemonContext,
  container: Container,
  signal: number,
): Promise<void> {
  const driver = context.runtimes.driver(container.record.runtime);
  try {
    await driver.kill(container.id, signal);
  } catch (error) {
    if (error instanceof RuntimeError && (error.containerGone || error.notRunning)) return;
    if (!container.isRunning) return;
    throw error;
  }
  if (container.state.Status === "paused") {
    await driver.resume(container.id).catch(() => {});
    if (container.state.Status === "paused") {
      container.record.state = { ...container.state, Status: "running" };
      await container.save();
    }
  }
}

/** Resolves true once the container is not running, false after `ms`. */
export function waitUntilStopped(container: Container, ms: number): Promise<boolean> {
  if (!container.isRunning) return Promise.resolve(true);
  const exited = container.once((event) => event === "exit" || event === "removed");
  const stopped = exited.promise.then(() => true);
  const inTime = Number.isFinite(ms) ? withTimeout(stopped, ms) : stopped;
  return inTime.then((done) => done ?? false).finally(() => exited.cancel());
}
