/**
 * GetContainerEvents: a stream of the CRI containers' (and sandboxes')
 * created, started, stopped and deleted events, from the daemon's event
 * bus, until the client goes away.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { CriStreamHandlers } from "./cri_call.ts";

const EVENT_TYPES: Record<string, string> = {
  create: "CONTAINER_CREATED_EVENT",
  start: "CONTAINER_STARTED_EVENT",
  die: "CONTAINER_STOPPED_EVENT",
  destroy: "CONTAINER_DELETED_EVENT",
};

/** GetContainerEvents. */
export const containerEventsHandlers: CriStreamHandlers = {
  GetContainerEvents: (context: DaemonContext, _request, call, send) =>
    new Promise<void>((resolve) => {
      const stop = context.events.listen((event) => {
        const type = EVENT_TYPES[event.Action];
        if (event.Type !== "container" || !type) return;
        const container = context.containers.find(event.Actor.ID);
        // A deleted container is gone from the store: its event says whose it was.
        if (container && !container.record.cri) return;
        if (!container && event.Actor.Attributes["io.berth.cri"] !== "true") return;
        send({
          container_id: event.Actor.ID,
          container_event_type: type,
          created_at: String(event.timeNano),
        });
      });
      call.signal.addEventListener("abort", () => {
        stop();
        resolve();
      });
    }),
};
