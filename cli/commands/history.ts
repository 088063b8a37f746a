/**
 * `berth history [OPTIONS] IMAGE`
 * @module
 */

import { humanSize } from "../../lib/units.ts";
import type { Command } from "../command.ts";
import { formatRows, out } from "../output.ts";
import { ago, goTimeString } from "../time_format.ts";

interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Size: number;
  Comment: string;
}

const DEFAULT_FORMAT = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
const HEADERS = {
  ID: "IMAGE",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  CreatedBy: "CREATED BY",
  Size: "SIZE",
  Comment: "COMMENT",
};

export const command: Command = {
  usage: "history [OPTIONS] IMAGE",
  description: "Show the history of an image",
  flags: [
    {
      name: "format",
      type: "string",
      value: "string",
      description: "Format output using a template",
    },
    {
      name: "human",
      short: "H",
      type: "bool",
      default: true,
      description: "Print sizes and dates in human readable format",
    },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const items = await client.json<HistoryItem[]>(
      "GET",
      `/images/${encodeURIComponent(flags.positionals[0])}/history`,
    );
    const noTrunc = flags.bool("no-trunc");
    const human = flags.bool("human");
    const now = Date.now();
    const rows = items.map((item) => ({
      ID: item.Id === "<missing>" || noTrunc
        ? item.Id
        : item.Id.replace(/^sha256:/, "").slice(0, 12),
      CreatedSince: human ? ago(item.Created * 1000, now) : goTimeString(item.Created * 1000),
      CreatedAt: goTimeString(item.Created * 1000),
      CreatedBy: noTrunc || item.CreatedBy.length <= 45
        ? item.CreatedBy
        : `${item.CreatedBy.slice(0, 44)}…`,
      Size: human ? humanSize(item.Size) : String(item.Size),
      Comment: item.Comment,
    }));
    if (flags.bool("quiet")) {
      out(rows.map((row) => `${row.ID}\n`).join(""));
      return 0;
    }
    out(formatRows(flags.string("format") ?? DEFAULT_FORMAT, rows, HEADERS));
    return 0;
  },
};
