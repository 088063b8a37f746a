/**
 * `berth network ls [OPTIONS]`
 * @module
 */

import { FILTER_FLAG, formatFlag } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { formatRows, labelsText, listFormat, out } from "../output.ts";
import { filtersJson } from "./ps.ts";

interface NetworkSummary {
  Name: string;
  Id: string;
  Driver: string;
  Scope: string;
  Created: string;
  Internal: boolean;
  EnableIPv6: boolean;
  Labels: Record<string, string>;
}

const HEADERS: Record<string, string> = {
  ID: "NETWORK ID",
  Name: "NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  Labels: "LABELS",
  CreatedAt: "CREATED AT",
};

const DEFAULT_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

export const command: Command = {
  usage: "network ls [OPTIONS]",
  description: "List networks",
  flags: [
    FILTER_FLAG,
    formatFlag(),
    { name: "no-trunc", type: "bool", description: "Do not truncate the output" },
    { name: "quiet", short: "q", type: "bool", description: "Only display network IDs" },
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const networks = await client.json<NetworkSummary[]>("GET", "/networks", {
      query: { filters: filtersJson(flags.list("filter")) },
    });
    const id = (network: NetworkSummary) =>
      flags.bool("no-trunc") ? network.Id : network.Id.slice(0, 12);
    if (flags.bool("quiet")) {
      out(networks.map((network) => id(network) + "\n").join(""));
      return 0;
    }
    const rows = networks.map((network) => ({
      ...network,
      ID: id(network),
      IPv6: String(network.EnableIPv6),
      Internal: String(network.Internal),
      CreatedAt: network.Created,
      Labels: labelsText(network.Labels),
    }));
    out(formatRows(listFormat(flags, DEFAULT_FORMAT), rows, HEADERS));
    return 0;
  },
};
