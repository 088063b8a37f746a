/**
 * `berth volume ls [OPTIONS]`
 * @module
 */

import { FILTER_FLAG, formatFlag } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { formatRows, labelsText, listFormat, out } from "../output.ts";
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
      Labels: labelsText(volume.Labels),
    }));
    out(formatRows(listFormat(flags, DEFAULT_FORMAT), rows, HEADERS));
    return 0;
  },
};
