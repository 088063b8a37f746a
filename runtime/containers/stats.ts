/**
 * GET /containers/{id}/stats: a container's resource use from its cgroup
 * (v1 controllers or the v2 unified tree), in docker's stats shape, with
 * the previous sample in `precpu_stats` so clients can work out CPU %.
 * @module
 */

import { formatRfc3339Nano, preciseNow, ZERO_TIME } from "../../protocol/timestamp.ts";
import { containerCgroup, type DaemonContext } from "../daemon_context.ts";
import { readSystemFile } from "../system/libc.ts";
import type { Container } from "./container.ts";
import { liveEndpoints } from "../networks/attachments.ts";

/** Nanoseconds per clock tick of /proc/stat (USER_HZ is 100 on Linux). */
const NS_PER_TICK = 10_000_000;

/** One reading of a container's counters. */
export interface StatsSample {
  read: string;
  cpuTotalNs: number;
  cpuUserNs: number;
  cpuSystemNs: number;
  perCpuNs: number[];
  systemCpuNs: number;
  memoryUsage: number;
  memoryLimit: number;
  memoryStats: Record<string, number>;
  pids: number;
  pidsLimit: number;
  blkio: { major: number; minor: number; op: string; value: number }[];
  /** Per interface of its own network namespace (none for host and none networks). */
  networks?: Record<string, NetworkCounters>;
}

/** docker's counters of one interface. */
export interface NetworkCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** The interfaces of a /proc/PID/net/dev, but loopback, as docker's counters. */
export function parseNetDev(text: string | undefined): Record<string, NetworkCounters> {
  const networks: Record<string, NetworkCounters> = {};
  for (const line of (text ?? "").split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (name === "lo" || fields.length < 16) continue;
    networks[name] = {
      rx_bytes: fields[0],
      rx_packets: fields[1],
      rx_errors: fields[2],
      rx_dropped: fields[3],
      tx_bytes: fields[8],
      tx_packets: fields[9],
      tx_errors: fields[10],
      tx_dropped: fields[11],
    };
  }
  return networks;
}

function readNumber(path: string): number | undefined {
  const text = readSystemFile(path)?.trim();
  if (text === undefined || text === "" || text === "max") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** `key value` lines as an object. */
export function parseKeyValues(text: string | undefined): Record<string, number> {
  const result: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) result[key] = Number(value);
  }
  return result;
}

/** The whole machine's CPU time (the first line of /proc/stat), in ns. */
export function systemCpuNs(procStat: string): number {
  const fields = procStat.split("\n")[0].trim().split(/\s+/).slice(1, 8).map(Number);
  return fields.reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0) * NS_PER_TICK;
}

/** blkio (v1 `8:0 Read 123` lines or v2 `8:0 rbytes=1 wbytes=2`) as docker's entries. */
export function parseBlkio(text: string | undefined, v2: boolean) {
  const entries: StatsSample["blkio"] = [];
  for (const line of (text ?? "").split("\n")) {
    const parts = line.trim().split(/\s+/);
    const device = /^(\d+):(\d+)$/.exec(parts[0] ?? "");
    if (!device) continue;
    const [major, minor] = [Number(device[1]), Number(device[2])];
    if (v2) {
      const fields = Object.fromEntries(parts.slice(1).map((field) => field.split("=")));
      entries.push({ major, minor, op: "read", value: Number(fields.rbytes ?? 0) });
      entries.push({ major, minor, op: "write", value: Number(fields.wbytes ?? 0) });
    } else if (parts.length === 3 && /^(Read|Write)$/.test(parts[1])) {
      entries.push({ major, minor, op: parts[1].toLowerCase(), value: Number(parts[2]) });
    }
  }
  return entries;
}

/** Read a container's counters now (zeros when it is not running). */
export function sampleStats(context: DaemonContext, container: Container): StatsSample {
  const hostMemory = Deno.systemMemoryInfo().total;
  const sample: StatsSample = {
    read: formatRfc3339Nano(preciseNow()),
    cpuTotalNs: 0,
    cpuUserNs: 0,
    cpuSystemNs: 0,
    perCpuNs: [],
    systemCpuNs: systemCpuNs(readSystemFile("/proc/stat") ?? ""),
    memoryUsage: 0,
    memoryLimit: hostMemory,
    memoryStats: {},
    pids: 0,
    pidsLimit: 0,
    blkio: [],
  };
  if (!container.isRunning) return sample;
  if (liveEndpoints(container.record.networks).length && container.state.Pid > 0) {
    sample.networks = parseNetDev(readSystemFile(`/proc/${container.state.Pid}/net/dev`));
  }
  const cgroup = containerCgroup(context, container);
  if (context.cgroupVersion === 2) {
    const dir = `/sys/fs/cgroup${cgroup}`;
    const cpu = parseKeyValues(readSystemFile(`${dir}/cpu.stat`));
    sample.cpuTotalNs = (cpu.usage_usec ?? 0) * 1000;
    sample.cpuUserNs = (cpu.user_usec ?? 0) * 1000;
    sample.cpuSystemNs = (cpu.system_usec ?? 0) * 1000;
    sample.memoryUsage = (readNumber(`${dir}/memory.current`)) ?? 0;
    sample.memoryLimit = Math.min(
      (readNumber(`${dir}/memory.max`)) ?? hostMemory,
      hostMemory,
    );
    sample.memoryStats = parseKeyValues(readSystemFile(`${dir}/memory.stat`));
    sample.pids = (readNumber(`${dir}/pids.current`)) ?? 0;
    sample.pidsLimit = (readNumber(`${dir}/pids.max`)) ?? 0;
    sample.blkio = parseBlkio(readSystemFile(`${dir}/io.stat`), true);
    return sample;
  }
  const v1 = (controller: string, file: string) => `/sys/fs/cgroup/${controller}${cgroup}/${file}`;
  sample.cpuTotalNs = (readNumber(v1("cpuacct", "cpuacct.usage"))) ?? 0;
  sample.perCpuNs = ((readSystemFile(v1("cpuacct", "cpuacct.usage_percpu"))) ?? "").trim()
    .split(/\s+/).filter(Boolean).map(Number);
  const ticks = parseKeyValues(readSystemFile(v1("cpuacct", "cpuacct.stat")));
  sample.cpuUserNs = (ticks.user ?? 0) * NS_PER_TICK;
  sample.cpuSystemNs = (ticks.system ?? 0) * NS_PER_TICK;
  sample.memoryUsage = (readNumber(v1("memory", "memory.usage_in_bytes"))) ?? 0;
  sample.memoryLimit = Math.min(
    (readNumber(v1("memory", "memory.limit_in_bytes"))) ?? hostMemory,
    hostMemory,
  );
  sample.memoryStats = parseKeyValues(readSystemFile(v1("memory", "memory.stat")));
  sample.pids = (readNumber(v1("pids", "pids.current"))) ?? 0;
  sample.pidsLimit = (readNumber(v1("pids", "pids.max"))) ?? 0;
  sample.blkio = parseBlkio(
    readSystemFile(v1("blkio", "blkio.throttle.io_service_bytes_recursive")) ??
      readSystemFile(v1("blkio", "blkio.throttle.io_service_bytes")),
    false,
  );
  return sample;
}

function cpuStats(sample: StatsSample | undefined, onlineCpus: number) {
  return {
    cpu_usage: {
      total_usage: sample?.cpuTotalNs ?? 0,
      ...(sample?.perCpuNs.length ? { percpu_usage: sample.perCpuNs } : {}),
      usage_in_kernelmode: sample?.cpuSystemNs ?? 0,
      usage_in_usermode: sample?.cpuUserNs ?? 0,
    },
    system_cpu_usage: sample?.systemCpuNs ?? 0,
    online_cpus: sample ? onlineCpus : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** docker's stats document for `current`, with `previous` as precpu_stats. */
export function statsDocument(
  container: Container,
  current: StatsSample,
  previous: StatsSample | undefined,
) {
  const onlineCpus = navigator.hardwareConcurrency;
  return {
    name: `/${container.name}`,
    id: container.id,
    read: current.read,
    preread: previous?.read ?? ZERO_TIME,
    pids_stats: {
      current: current.pids,
      ...(current.pidsLimit ? { limit: current.pidsLimit } : {}),
    },
    blkio_stats: {
      io_service_bytes_recursive: current.blkio.length ? current.blkio : null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current, onlineCpus),
    precpu_stats: cpuStats(previous, onlineCpus),
    ...(current.networks ? { networks: current.networks } : {}),
    memory_stats: container.isRunning
      ? { usage: current.memoryUsage, stats: current.memoryStats, limit: current.memoryLimit }
      : {},
  };
}
