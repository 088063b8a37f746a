/**
 * GET /events?since=&until=&filters=: the daemon's events as JSON lines,
 * those kept since `since` first, then new ones until `until` (or until
 * the client goes away).
 * @module
 */

import { parseFilters } from "../filters.ts";
import { BadRequest } from "../../errors.ts";
import { eventMatches, type EventMessage } from "../../events.ts";
import { type ApiRequest, commonHeaders, timeParameter, writeChunk } from "../http.ts";

/** `since`/`until` in ns; `since=0` means every event kept (without it, only new ones). */
function eventBound(query: URLSearchParams, name: "since" | "until"): number | undefined {
  const ms = timeParameter(query.get(name), name);
  if (ms !== undefined) return ms * 1e6;
  return name === "since" && query.get(name) === "0" ? 0 : undefined;
}

/** GET /events */
export async function events({ context, query, res, signal }: ApiRequest) {
  const filters = parseFilters(query.get("filters"));
  const since = eventBound(query, "since");
  const until = eventBound(query, "until");
  const nowNano = Date.now() * 1e6;
  if (since !== undefined && until !== undefined && until < since) {
    throw new BadRequest("`since` must come before `until`");
  }
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  res.flushHeaders();
  // Listen before replaying, so nothing falls between the two.
  const queue: EventMessage[] = [];
  let wake: (() => void) | undefined;
  const stop = context.events.listen((event) => {
    queue.push(event);
    wake?.();
  });
  // The CRI's containers are kept apart from the Docker API's, their events too.
  const wanted = (event: EventMessage) =>
    (until === undefined || event.timeNano <= until) && eventMatches(event, filters) &&
    event.Actor.Attributes["io.berth.cri"] !== "true";
  try {
    const replayed = since === undefined ? [] : context.events.since(since);
    const last = replayed.at(-1)?.timeNano ?? -1;
    for (const event of replayed) {
      if (wanted(event)) await writeChunk(res, JSON.stringify(event) + "\n");
    }
    const deadline = until === undefined ? Infinity : (until - nowNano) / 1e6;
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => wake?.(), Math.max(deadline, 0))
      : undefined;
    const ended = () => signal.aborted || (until !== undefined && Date.now() * 1e6 >= until);
    signal.addEventListener("abort", () => wake?.(), { once: true });
    try {
      while (!ended()) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => wake = resolve);
          wake = undefined;
          continue;
        }
        if (event.timeNano > last && wanted(event)) {
          await writeChunk(res, JSON.stringify(event) + "\n");
        }
      }
    } finally {
      clearTimeout(timer);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    stop();
  }
}
