/**
 * Container events for GET /events, with the attributes docker gives
 * them: the container's labels, image and name, and what the action adds.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Container } from "./container.ts";

/** Tell event listeners that `action` happened to `container`. */
export function containerEvent(
  context: DaemonContext,
  container: Container,
  action: string,
  extra: Record<string, string> = {},
): void {
  context.events.emit("container", action, container.id, {
    ...container.record.config.Labels,
    image: container.record.config.Image,
    name: container.name,
    // The CRI's containers, told apart once they are gone from the store.
    ...(container.record.cri ? { "io.berth.cri": "true" } : {}),
    ...extra,
  });
}
