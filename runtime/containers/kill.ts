/**
 * POST /containers/{id}/kill?signal=: send a signal (SIGKILL by default;
 * SIGKILL returns once the container has exited, as docker's does).
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, Conflict } from "../errors.ts";
import { parseSignal, SIGNALS } from "../signals.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { signalContainer } from "./signal.ts";
import { killAndWait } from "./stop.ts";

/** Parse the API's signal parameter; KILL when absent. */
export function signalParameter(text: string | null): number {
  if (!text) return SIGNALS.KILL;
  const signal = parseSignal(text);
  if (signal === undefined) throw new BadRequest(`Invalid signal: ${text}`);
  return signal;
}

/** Send `signal` to a running container. */
export function killContainer(
  context: DaemonContext,
  container: Container,
  signal: number,
): Promise<void> {
  return container.lock.run(async () => {
    if (container.state.Status === "restarting") {
      throw new Conflict(
        `Cannot kill container: ${container.name}: Container ${container.id} is restarting, ` +
          "wait until the container is running",
      );
    }
    if (!container.isRunning) {
      throw new Conflict(
        `Cannot kill container: ${container.name}: Container ${container.id} is not running`,
      );
    }
    // As docker: SIGKILL, the stop signal, or any signal when none is set,
    // is a stop the restart policy leaves alone.
    const stopSignal = container.record.config.StopSignal;
    if (signal === SIGNALS.KILL || !stopSignal || parseSignal(stopSignal) === signal) {
      container.exitOnNext = true;
    }
    containerEvent(context, container, "kill", { signal: String(signal) });
    if (signal === SIGNALS.KILL) await killAndWait(context, container);
    else await signalContainer(context, container, signal);
  });
}
