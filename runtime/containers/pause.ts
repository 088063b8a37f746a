/**
 * POST /containers/{id}/pause and /unpause: freeze and thaw every process
 * of the container through the runtime.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { Conflict } from "../errors.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";

/** Freeze a running container. */
export function pauseContainer(context: DaemonContext, container: Container): Promise<void> {
  return container.lock.run(async () => {
    if (container.state.Status === "paused") {
      throw new Conflict(`Container ${container.id} is already paused`);
    }
    if (container.state.Status !== "running") {
      throw new Conflict(`Container ${container.id} is not running`);
    }
    await context.runtimes.driver(container.record.runtime).pause(container.id);
    container.record.state = { ...container.state, Status: "paused" };
    await container.save({ durable: false });
    containerEvent(context, container, "pause");
  });
}

/** Thaw a paused container. */
export function unpauseContainer(context: DaemonContext, container: Container): Promise<void> {
  return container.lock.run(async () => {
    if (container.state.Status !== "paused") {
      throw new Conflict(`Container ${container.id} is not paused`);
    }
    await context.runtimes.driver(container.record.runtime).resume(container.id);
    container.record.state = { ...container.state, Status: "running" };
    await container.save({ durable: false });
    containerEvent(context, container, "unpause");
  });
}
