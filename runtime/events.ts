/**
 * The daemon's event stream (GET /events, `docker events`): what happened
 * to containers, images, volumes and networks, in docker's message shape. Recent
 * events are kept in memory for `since`; listeners get new ones as they
 * happen.
 * @module
 */

import { preciseNow } from "../protocol/timestamp.ts";
import { matchesLabel } from "./filters.ts";

/** What an event is about. */
export type EventType = "container" | "image" | "volume" | "network";

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

/** Whether an event passes docker's event filters (type, event, container, image, volume, network, label). */
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
      case "network":
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
        ok = values.every((value) => matchesLabel(attributes, value));
        break;
      default:
        ok = true;
    }
    if (!ok) return false;
  }
  return true;
}
