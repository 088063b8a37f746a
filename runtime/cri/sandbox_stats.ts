/**
 * PodSandboxStats and ListPodSandboxStats: the pod's containers' usage
 * summed, its network interface's counters and its process count.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { parseNetDev } from "../containers/stats.ts";
import { readSystemFile } from "../system/libc.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { containersOf, getSandbox, isSandbox, type Sandbox } from "./cri_lookup.ts";
import { containerStats, usageOf } from "./container_stats.ts";
import { matchesSelector, nowNanos } from "./cri_values.ts";

function total(stats: CriMessage[], pick: (stat: CriMessage) => CriMessage | undefined): string {
  return String(stats.reduce((sum, stat) => sum + Number(pick(stat)?.value ?? 0), 0));
}

async function sandboxStats(context: DaemonContext, sandbox: Sandbox): Promise<CriMessage> {
  const info = sandbox.record.cri;
  const containers = await Promise.all(
    containersOf(context, sandbox.id).map((container) => containerStats(context, container)),
  );
  const holder = usageOf(context, sandbox);
  const all = [...containers, { cpu: holder.cpu, memory: holder.memory }];
  const timestamp = nowNanos();
  const counters = sandbox.isRunning && info.netns
    ? parseNetDev(readSystemFile(`/proc/${sandbox.state.Pid}/net/dev`))
    : {};
  const interfaces = Object.entries(counters).filter(([name]) => name !== "lo").map((
    [name, counter],
  ) => ({
    name,
    rx_bytes: { value: String(counter.rx_bytes) },
    rx_errors: { value: String(counter.rx_errors) },
    tx_bytes: { value: String(counter.tx_bytes) },
    tx_errors: { value: String(counter.tx_errors) },
  }));
  return {
    attributes: {
      id: sandbox.id,
      metadata: info.metadata,
      labels: info.labels,
      annotations: info.annotations,
    },
    linux: {
      cpu: {
        timestamp,
        usage_core_nano_seconds: { value: total(all, (stat) => stat.cpu.usage_core_nano_seconds) },
        usage_nano_cores: { value: total(all, (stat) => stat.cpu.usage_nano_cores) },
      },
      memory: {
        timestamp,
        working_set_bytes: { value: total(all, (stat) => stat.memory.working_set_bytes) },
        usage_bytes: { value: total(all, (stat) => stat.memory.usage_bytes) },
        rss_bytes: { value: total(all, (stat) => stat.memory.rss_bytes) },
      },
      network: {
        timestamp,
        default_interface: interfaces.find((item) => item.name === "eth0") ?? interfaces[0] ?? null,
        interfaces,
      },
      process: {
        timestamp,
        process_count: {
          value: String(holder.sample.pids + containers.length),
        },
      },
      containers,
    },
  };
}

async function onePodStats(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  return { stats: await sandboxStats(context, getSandbox(context, request.pod_sandbox_id)) };
}

async function listPodStats(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const filter = request.filter ?? {};
  const sandboxes = context.containers.list().filter(isSandbox).filter((sandbox) =>
    (!filter.id || sandbox.id.startsWith(filter.id)) &&
    matchesSelector(sandbox.record.cri.labels, filter.label_selector)
  );
  return { stats: await Promise.all(sandboxes.map((sandbox) => sandboxStats(context, sandbox))) };
}

/** PodSandboxStats, ListPodSandboxStats. */
export const sandboxStatsHandlers: CriHandlers = {
  PodSandboxStats: onePodStats,
  ListPodSandboxStats: listPodStats,
};
