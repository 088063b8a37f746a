/**
 * POST /containers/{id}/restart?t=: stop (if running), then start.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { resetRestarts } from "./restart_policy.ts";
import { startLocked } from "./start.ts";
import { stopLocked } from "./stop.ts";

/** Restart a container. */
export function restartContainer(
  context: DaemonContext,
  container: Container,
  timeoutSeconds?: number,
  stopSignal?: number,
): Promise<void> {
  return container.lock.run(async () => {
    await resetRestarts(container);
    if (container.isRunning) await stopLocked(context, container, timeoutSeconds, stopSignal);
    await startLocked(context, container);
    containerEvent(context, container, "restart");
  });
}
