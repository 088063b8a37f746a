/**
 * ContainerStats and ListContainerStats: the cgroup's counters (as docker
 * stats reads them) and the writable layer's size, in the CRI's shapes.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Container } from "../containers/container.ts";
import { sampleStats } from "../containers/stats.ts";
import { treeBytes } from "../system/disk_usage.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getPodContainer, isPodContainer, type PodContainer } from "./cri_lookup.ts";
import { matchesSelector, nowNanos } from "./cri_values.ts";

/** The last CPU reading of each container, for usage_nano_cores (a rate). */
const lastCpu = new Map<string, { ns: number; at: number }>();

/** CPU and memory usage of a container's cgroup, in the CRI's shapes. */
export function usageOf(context: DaemonContext, container: Container) {
  const sample = sampleStats(context, container);
  const timestamp = nowNanos();
  const now = performance.now();
  const previous = lastCpu.get(container.id);
  lastCpu.set(container.id, { ns: sample.cpuTotalNs, at: now });
  // Readings of removed containers go (the map would grow with every pod ever run).
  if (lastCpu.size > context.containers.counts().total) {
    for (const id of lastCpu.keys()) if (!context.containers.find(id)) lastCpu.delete(id);
  }
  const elapsedNs = previous ? (now - previous.at) * 1e6 : 0;
  const nanoCores = previous && elapsedNs > 0
    ? Math.max(0, Math.round(((sample.cpuTotalNs - previous.ns) / elapsedNs) * 1e9))
    : 0;
  const inactive = sample.memoryStats.total_inactive_file ?? sample.memoryStats.inactive_file ?? 0;
  return {
    cpu: {
      timestamp,
      usage_core_nano_seconds: { value: String(sample.cpuTotalNs) },
      usage_nano_cores: { value: String(nanoCores) },
    },
    memory: {
      timestamp,
      working_set_bytes: { value: String(Math.max(0, sample.memoryUsage - inactive)) },
      usage_bytes: { value: String(sample.memoryUsage) },
      rss_bytes: {
        value: String(
          sample.memoryStats.total_rss ?? sample.memoryStats.rss ?? sample.memoryStats.anon ?? 0,
        ),
      },
      page_faults: {
        value: String(sample.memoryStats.total_pgfault ?? sample.memoryStats.pgfault ?? 0),
      },
      major_page_faults: {
        value: String(sample.memoryStats.total_pgmajfault ?? sample.memoryStats.pgmajfault ?? 0),
      },
      available_bytes: { value: String(Math.max(0, sample.memoryLimit - sample.memoryUsage)) },
    },
    sample,
  };
}

/** One container's ContainerStats. */
export async function containerStats(
  context: DaemonContext,
  container: PodContainer,
): Promise<CriMessage> {
  const info = container.record.cri;
  const { cpu, memory } = usageOf(context, container);
  const used = await treeBytes(container.paths.upper).catch(() => 0);
  return {
    attributes: {
      id: container.id,
      metadata: info.metadata,
      labels: info.labels,
      annotations: info.annotations,
    },
    cpu,
    memory,
    writable_layer: {
      timestamp: nowNanos(),
      fs_id: { mountpoint: `${context.flags.root}/containers` },
      used_bytes: { value: String(used) },
      inodes_used: { value: "0" },
    },
  };
}

async function oneContainerStats(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  return { stats: await containerStats(context, getPodContainer(context, request.container_id)) };
}

async function listContainerStats(
  context: DaemonContext,
  request: CriMessage,
): Promise<CriMessage> {
  const filter = request.filter ?? {};
  const containers = context.containers.list().filter(isPodContainer).filter((container) =>
    (!filter.id || container.id.startsWith(filter.id)) &&
    (!filter.pod_sandbox_id || container.record.cri.sandboxId.startsWith(filter.pod_sandbox_id)) &&
    matchesSelector(container.record.cri.labels, filter.label_selector)
  );
  return {
    stats: await Promise.all(containers.map((container) => containerStats(context, container))),
  };
}

/** ContainerStats, ListContainerStats. */
export const containerStatsHandlers: CriHandlers = {
  ContainerStats: oneContainerStats,
  ListContainerStats: listContainerStats,
};
