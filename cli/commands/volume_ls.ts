/**
 * `berth volume ls [OPTIONS]`
 * @module
 */

import { FILTER_FLAG, formatFlag } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { formatRows, out } from "../output.ts";
import { filtersJson } from "./ps.ts";

interface VolumeSummary {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: string;
}

const HEADERS: Record<string, string> = {
  Name: "VOLUME NAME",
  Driver: "DRIVER",
  Mountpoint: "MOUNTPOINT",
  Scope: "SCOPE",
  Labels: "LABELS",
  CreatedAt: "CREATED AT",
};

const DEFAULT_FORMAT = "table {{.Driver}}\t{{.Name}}";

export const command: Command = {
  usage: "volume ls [OPTIONS]",
  description: "List volumes",
  flags: [
    FILTER_FLAG,
    formatFlag(),
    { name: "quiet", short: "q", type: "bool", description: "Only display volume names" },
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const { Volumes: volumes } = await client.json<{ Volumes: VolumeSummary[] }>(
      "GET",
      "/volumes",
      { query: { filters: filtersJson(flags.list("filter")) } },
    );
    if (flags.bool("quiet")) {
      out(volumes.map((volume) => volume.Name + "\n").join(""));
      return 0;
    }
    const rows = volumes.map((volume) => ({
      ...volume,
      Labels: Object.entries(volume.Labels ?? {}).map(([key, value]) => `${key}=${value}`)
        .join(","),
    }));
    let format = flags.string("format") ?? DEFAULT_FORMAT;
    if (format === "table") format = DEFAULT_FORMAT;
    out(formatRows(format, rows, HEADERS));
    return 0;
  },
};
