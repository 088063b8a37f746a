/**
 * The daemon's event stream (GET /events, `docker events`): what happened
 * to containers, images and volumes, in docker's message shape. Recent
 * events are kept in memory for `since`; listeners get new ones as they
 * happen.
 * @module
 */

import { preciseNow } from "../protocol/timestamp.ts";

/** What an event is about. */
export type EventType = "container" | "image" | "volume";

/** docker's events message. */
export interface EventMessage {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
  /** The old fields, which the docker CLI still reads. */
  status: string;
  id: string;
  from?: string;
}

/** Events kept for `since`. */
const KEPT = 1024;

/** The daemon's events. */
export class EventBus {
  #recent: EventMessage[] = [];
  #listeners = new Set<(event: EventMessage) => void>();

  /** Record an event and hand it to every listener. */
  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    const timeNano = Math.round(preciseNow() * 1e6);
    const event: EventMessage = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: "local",
      time: Math.floor(timeNano / 1e9),
      timeNano,
      status: action,
      id,
      ...(type === "container" && attributes.image ? { from: attributes.image } : {}),
    };
    this.#recent.push(event);
    if (this.#recent.length > KEPT) this.#recent.splice(0, this.#recent.length - KEPT);
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Events at or after `sinceNano` still kept. */
  since(sinceNano: number): EventMessage[] {
    return this.#recent.filter((event) => event.timeNano >= sinceNano);
  }

  /** Listen for new events; returns the function that stops it. */
  listen(listener: (event: EventMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** Parse docker's `since`/`until`: unix seconds (with a fraction) or RFC 3339; ns. */
export function eventTime(text: string, now = Date.now()): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) {
    const [seconds, fraction = ""] = text.split(".");
    return Number(seconds) * 1e9 + Number(fraction.padEnd(9, "0").slice(0, 9));
  }
  const relative = /^(\d+)(s|m|h)$/.exec(text);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[relative[2] as "s" | "m" | "h"];
    return (now - Number(relative[1]) * unit) * 1e6;
  }
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed * 1e6;
}

/** Whether an event passes docker's event filters (type, event, container, image, volume, label). */
export function eventMatches(event: EventMessage, filters: Map<string, string[]>): boolean {
  const attributes = event.Actor.Attributes;
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    let ok: boolean;
    switch (key) {
      case "type":
        ok = values.includes(event.Type);
        break;
      case "event":
        ok = values.some((value) => event.Action === value || event.Action.startsWith(`${value}:`));
        break;
      case "container":
      case "volume":
        ok = event.Type === key &&
          values.some((value) => event.Actor.ID.startsWith(value) || attributes.name === value);
        break;
      case "image":
        ok = values.some((value) =>
          (event.Type === "image" && (event.Actor.ID === value || attributes.name === value)) ||
          (event.Type === "container" && attributes.image === value)
        );
        break;
      case "label":
        ok = values.every((value) => {
          const index = value.indexOf("=");
          return index < 0
            ? value in attributes
            : attributes[value.slice(0, index)] === value.slice(index + 1);
        });
        break;
      default:
        ok = true;
    }
    if (!ok) return false;
  }
  return true;
}
