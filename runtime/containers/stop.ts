/**
 * POST /containers/{id}/stop: the stop signal, then SIGKILL after the
 * timeout (?t=, else the container's StopTimeout, else 10 s; -1 waits
 * forever).
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, NotModified } from "../errors.ts";
import { log } from "../logger.ts";
import { parseSignal, SIGNALS } from "../signals.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { cancelRestart } from "./restart_policy.ts";
import { signalContainer, waitUntilStopped } from "./signal.ts";

/** How long SIGKILL may take before stop reports a failure. */
const KILL_TIMEOUT_MS = 30_000;

/** Stop a container (one operation at a time per container). */
export function stopContainer(
  context: DaemonContext,
  container: Container,
  timeoutSeconds?: number,
  stopSignal?: number,
): Promise<void> {
  return container.lock.run(() => stopLocked(context, container, timeoutSeconds, stopSignal));
}

/**
 * Stop with the container's lock held: `stopSignal` (docker's `stop -s`),
 * else the container's StopSignal, then SIGKILL after the grace period.
 */
export async function stopLocked(
  context: DaemonContext,
  container: Container,
  timeoutSeconds?: number,
  stopSignal?: number,
): Promise<void> {
  if (await cancelRestart(container)) {
    container.record.manuallyStopped = true;
    await container.save();
    return;
  }
  if (!container.isRunning) throw new NotModified();
  container.exitOnNext = true;
  container.record.manuallyStopped = true;
  const { config } = container.record;
  const signal = stopSignal ?? parseSignal(config.StopSignal ?? "SIGTERM") ?? SIGNALS.TERM;
  const grace = timeoutSeconds ?? config.StopTimeout ?? 10;
  const stopped = waitUntilStopped(container, grace < 0 ? Infinity : grace * 1000);
  await signalContainer(context, container, signal);
  if (!(await stopped)) {
    log.info("container did not stop in time; sending SIGKILL", { id: container.id, grace });
    await killAndWait(context, container);
  }
  containerEvent(context, container, "stop");
}

/** SIGKILL, then wait for the exit to be recorded. */
export async function killAndWait(context: DaemonContext, container: Container): Promise<void> {
  const stopped = waitUntilStopped(container, KILL_TIMEOUT_MS);
  await signalContainer(context, container, SIGNALS.KILL);
  if (!(await stopped)) {
    throw new ApiError(500, `container ${container.id} did not exit after SIGKILL`);
  }
}
