/**
 * `berth stats [OPTIONS] [CONTAINER...]`: CPU, memory, block I/O and pids
 * of running containers (or those named), once with --no-stream, else a
 * table redrawn every second until interrupted.
 * @module
 */

import { binarySize, humanSize } from "../../lib/units.ts";
import type { Command } from "../command.ts";
import type { ApiClient } from "../api_client.ts";
import { formatRows, listFormat, out } from "../output.ts";

interface CpuStats {
  cpu_usage: { total_usage: number };
  system_cpu_usage: number;
  online_cpus: number;
}

/** The parts of docker's stats document the table shows. */
export interface StatsDocument {
  name: string;
  id: string;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats: { current?: number };
  blkio_stats: { io_service_bytes_recursive: { op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

const HEADERS: Record<string, string> = {
  Container: "CONTAINER ID",
  ID: "CONTAINER ID",
  Name: "NAME",
  CPUPerc: "CPU %",
  MemUsage: "MEM USAGE / LIMIT",
  MemPerc: "MEM %",
  NetIO: "NET I/O",
  BlockIO: "BLOCK I/O",
  PIDs: "PIDS",
};

const DEFAULT_FORMAT =
  "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/** One table row from a stats document, computed as docker's CLI computes it. */
export function statsRow(stats: StatsDocument, noTrunc: boolean): Record<string, string> {
  const cpuDelta = stats.cpu_stats.cpu_usage.total_usage -
    stats.precpu_stats.cpu_usage.total_usage;
  const systemDelta = stats.cpu_stats.system_cpu_usage - stats.precpu_stats.system_cpu_usage;
  const cpu = systemDelta > 0 && cpuDelta > 0
    ? (cpuDelta / systemDelta) * (stats.cpu_stats.online_cpus || 1) * 100
    : 0;
  const memory = stats.memory_stats;
  // As docker's CLI: the page cache that could be dropped does not count.
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const used = Math.max((memory.usage ?? 0) - inactive, 0);
  const limit = memory.limit ?? 0;
  let read = 0, written = 0;
  for (const entry of stats.blkio_stats.io_service_bytes_recursive ?? []) {
    if (entry.op.toLowerCase() === "read") read += entry.value;
    if (entry.op.toLowerCase() === "write") written += entry.value;
  }
  let received = 0, sent = 0;
  for (const network of Object.values(stats.networks ?? {})) {
    received += network.rx_bytes;
    sent += network.tx_bytes;
  }
  const id = noTrunc ? stats.id : stats.id.slice(0, 12);
  return {
    Container: id,
    ID: id,
    Name: stats.name.replace(/^\//, ""),
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${binarySize(used)} / ${binarySize(limit)}`,
    MemPerc: `${(limit > 0 ? (used / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(received)} / ${humanSize(sent)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(written)}`,
    PIDs: String(stats.pids_stats.current ?? 0),
  };
}

async function sample(client: ApiClient, containers: string[]): Promise<StatsDocument[]> {
  return await Promise.all(
    containers.map((container) =>
      client.json<StatsDocument>("GET", `/containers/${encodeURIComponent(container)}/stats`, {
        query: { stream: false },
      })
    ),
  );
}

export const command: Command = {
  usage: "stats [OPTIONS] [CONTAINER...]",
  description: "Display a live stream of container(s) resource usage statistics",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    {
      name: "format",
      type: "string",
      value: "string",
      description: "Format output using a custom template",
    },
    {
      name: "no-stream",
      type: "bool",
      description: "Disable streaming stats and only pull the first result",
    },
    { name: "no-trunc", type: "bool", description: "Do not truncate output" },
  ],
  async run({ client }, flags) {
    let containers = flags.positionals;
    if (containers.length === 0) {
      const listed = await client.json<{ Id: string }[]>("GET", "/containers/json", {
        query: { all: flags.bool("all") },
      });
      containers = listed.map((container) => container.Id);
    }
    const format = listFormat(flags, DEFAULT_FORMAT);
    const render = async () => {
      const rows = (await sample(client, containers)).map((stats) =>
        statsRow(stats, flags.bool("no-trunc"))
      );
      return formatRows(format, rows, HEADERS);
    };
    if (flags.bool("no-stream")) {
      out(await render());
      return 0;
    }
    for (;;) {
      const text = await render();
      out(`\x1b[2J\x1b[H${text}`); // each sample replaces the last, as docker's does
    }
  },
};
