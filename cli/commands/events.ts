/**
 * `berth events [OPTIONS]`: the daemon's events as they happen (and those
 * since --since), one line each, until --until or Ctrl-C.
 * @module
 */

import { FILTER_FLAG, formatFlag } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { GoTemplate } from "../go_template.ts";
import { outLine } from "../output.ts";
import { formatRfc3339Nano } from "../../protocol/timestamp.ts";
import { timestampParameter } from "../time_format.ts";
import { filtersJson } from "./ps.ts";

interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

/** docker's line: `TIME TYPE ACTION ID (key=value, ...)`. */
export function eventLine(event: EventMessage): string {
  const attributes = Object.entries(event.Actor.Attributes).sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`).join(", ");
  const time = formatRfc3339Nano(event.timeNano / 1e6);
  return `${time} ${event.Type} ${event.Action} ${event.Actor.ID}` +
    (attributes ? ` (${attributes})` : "");
}

export const command: Command = {
  usage: "events [OPTIONS]",
  description: "Get real time events from the server",
  flags: [
    FILTER_FLAG,
    formatFlag("Format the output using the given Go template"),
    {
      name: "since",
      type: "string",
      value: "string",
      description: "Show all events created since timestamp",
    },
    {
      name: "until",
      type: "string",
      value: "string",
      description: "Stream events until this timestamp",
    },
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const format = flags.string("format");
    const template = format && format !== "json" ? new GoTemplate(format) : undefined;
    const since = flags.string("since");
    const until = flags.string("until");
    const response = await client.request("GET", "/events", {
      query: {
        since: since ? timestampParameter(since, Date.now(), "since") : undefined,
        until: until ? timestampParameter(until, Date.now(), "until") : undefined,
        filters: filtersJson(flags.list("filter")),
      },
    });
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of response.chunks()) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (!line) continue;
        const event: EventMessage = JSON.parse(line);
        outLine(format === "json" ? line : template ? template.execute(event) : eventLine(event));
      }
    }
    return 0;
  },
};
