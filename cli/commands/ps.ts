/**
 * `berth ps [OPTIONS]`
 * @module
 */

import { FILTER_FLAG, formatFlag } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { formatRows, labelsText, listFormat, out } from "../output.ts";
import { ago, goTimeString } from "../time_format.ts";

interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Labels: Record<string, string>;
  HostConfig?: { NetworkMode?: string };
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** docker's PORTS column: `0.0.0.0:8080->80/tcp, 443/tcp`. */
export function portsText(ports: ContainerSummary["Ports"]): string {
  return (ports ?? []).map((port) =>
    port.PublicPort
      ? `${port.IP}:${port.PublicPort}->${port.PrivatePort}/${port.Type}`
      : `${port.PrivatePort}/${port.Type}`
  ).join(", ");
}

const HEADERS: Record<string, string> = {
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  RunningFor: "CREATED",
  Ports: "PORTS",
  State: "STATE",
  Status: "STATUS",
  Size: "SIZE",
  Names: "NAMES",
  Labels: "LABELS",
  Label: "LABEL",
  Mounts: "MOUNTS",
  Networks: "NETWORKS",
  LocalVolumes: "LOCAL VOLUMES",
};

const DEFAULT_FORMAT =
  "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/** Docker's Ellipsis: cut to `length` characters with "…". */
export function ellipsis(text: string, length: number): string {
  const chars = [...text];
  return chars.length <= length ? text : chars.slice(0, length - 1).join("") + "…";
}

/** Parse `--filter key=value` flags into the API's filters JSON. */
export function filtersJson(filters: string[]): string | undefined {
  if (filters.length === 0) return undefined;
  const result: Record<string, string[]> = {};
  for (const filter of filters) {
    const index = filter.indexOf("=");
    if (index <= 0) throw new Error(`bad format of filter (expected name=value): ${filter}`);
    (result[filter.slice(0, index).toLowerCase()] ??= []).push(filter.slice(index + 1));
  }
  return JSON.stringify(result);
}

/** The fields `--format` sees for a container. */
function row(container: ContainerSummary, noTrunc: boolean, now: number): Record<string, unknown> {
  const command = noTrunc ? container.Command : ellipsis(container.Command, 20);
  const image = !noTrunc && /^sha256:[a-f0-9]{64}$/.test(container.Image)
    ? container.Image.slice(7, 19)
    : container.Image;
  return {
    ID: noTrunc ? container.Id : container.Id.slice(0, 12),
    Image: image,
    Command: JSON.stringify(command),
    CreatedAt: goTimeString(container.Created * 1000),
    RunningFor: ago(container.Created * 1000, now),
    Ports: portsText(container.Ports),
    State: container.State,
    Status: container.Status,
    Size: "",
    Names: container.Names.map((name) => name.replace(/^\//, "")).join(","),
    Labels: labelsText(container.Labels),
    Label: (key: string) => container.Labels?.[key] ?? "",
    Mounts: "",
    Networks: container.HostConfig?.NetworkMode ?? "",
    LocalVolumes: "0",
  };
}

export const command: Command = {
  usage: "ps [OPTIONS]",
  description: "List containers",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    {
      name: "cri",
      type: "bool",
      description: "List the Kubernetes (CRI) pods' containers instead (k8s_POD_* hold the pods)",
    },
    FILTER_FLAG,
    formatFlag(
      "Format output using a custom template ('table', 'table TEMPLATE', 'json' or a Go template)",
    ),
    {
      name: "last",
      short: "n",
      type: "int",
      value: "int",
      description: "Show n last created containers (includes all states)",
      default: -1,
    },
    {
      name: "latest",
      short: "l",
      type: "bool",
      description: "Show the latest created container (includes all states)",
    },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const limit = flags.bool("latest") ? 1 : flags.int("last") ?? -1;
    const containers = await client.json<ContainerSummary[]>("GET", "/containers/json", {
      query: {
        all: flags.bool("all"),
        limit: limit > 0 ? limit : undefined,
        filters: filtersJson(flags.list("filter")),
        cri: flags.bool("cri") || undefined,
      },
    });
    const noTrunc = flags.bool("no-trunc");
    const format = flags.bool("quiet") ? "{{.ID}}" : listFormat(flags, DEFAULT_FORMAT);
    const now = Date.now();
    out(formatRows(format, containers.map((container) => row(container, noTrunc, now)), HEADERS));
    return 0;
  },
};
