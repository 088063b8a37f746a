/**
 * Docker's resource limits (HostConfig: Memory, MemorySwap, NanoCpus,
 * CpuShares, CpusetCpus, PidsLimit, ...): checked as docker checks them,
 * with its messages, and turned into the OCI spec's linux.resources, which
 * runc and crun apply on cgroup v1 and v2 alike.
 * @module
 */

import { BadRequest } from "../errors.ts";

/** The resource fields of a HostConfig, as docker names them. */
export interface ResourceLimits {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
}

/** Every field of {@link ResourceLimits}. */
export const RESOURCE_FIELDS: (keyof ResourceLimits)[] = [
  "Memory",
  "MemorySwap",
  "MemoryReservation",
  "MemorySwappiness",
  "OomKillDisable",
  "NanoCpus",
  "CpuShares",
  "CpuPeriod",
  "CpuQuota",
  "CpusetCpus",
  "CpusetMems",
  "PidsLimit",
  "BlkioWeight",
];

/** Docker's smallest memory limit and reservation. */
export const MIN_MEMORY = 6 * 1024 * 1024;

function wholeNumber(value: unknown, name: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new BadRequest(`${name} must be a whole number`);
  }
  return value;
}

/** Parse a cpuset list ("0-2,4"); undefined when malformed. */
export function parseCpuList(text: string): number[] | undefined {
  const items = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) return undefined;
    for (let cpu = first; cpu <= last; cpu++) items.add(cpu);
  }
  return [...items].sort((a, b) => a - b);
}

/**
 * Check the limits of a create or update request and return them with
 * numbers normalized (absent means 0 / unset), as docker stores them.
 * `cpuCount` is the number of CPUs the host has, `onlineCpus` their list.
 */
export function normalizeResources(
  requested: ResourceLimits,
  host: { cpuCount: number; onlineCpus: string },
): ResourceLimits {
  const memory = wholeNumber(requested.Memory, "Memory");
  const swap = wholeNumber(requested.MemorySwap, "MemorySwap");
  const reservation = wholeNumber(requested.MemoryReservation, "MemoryReservation");
  const nanoCpus = wholeNumber(requested.NanoCpus, "NanoCpus");
  const shares = wholeNumber(requested.CpuShares, "CpuShares");
  const period = wholeNumber(requested.CpuPeriod, "CpuPeriod");
  const quota = wholeNumber(requested.CpuQuota, "CpuQuota");
  const pids = wholeNumber(requested.PidsLimit, "PidsLimit");
  const blkioWeight = wholeNumber(requested.BlkioWeight, "BlkioWeight");
  const swappiness = requested.MemorySwappiness ?? null;

  if (memory < 0) throw new BadRequest("Memory must be a whole number");
  if (memory > 0 && memory < MIN_MEMORY) {
    throw new BadRequest("Minimum memory limit allowed is 6MB");
  }
  if (swap !== 0 && swap !== -1) {
    if (memory === 0) {
      throw new BadRequest(
        "You should always set the Memory limit when using Memoryswap limit, see usage",
      );
    }
    if (swap < memory) {
      throw new BadRequest(
        "Minimum memoryswap limit should be larger than memory limit, see usage",
      );
    }
  }
  if (reservation < 0 || (reservation > 0 && reservation < MIN_MEMORY)) {
    throw new BadRequest("Minimum memory reservation allowed is 6MB");
  }
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw new BadRequest(
      "Minimum memory limit can not be less than memory reservation limit, see usage",
    );
  }
  if (
    swappiness !== null && (!Number.isInteger(swappiness) || swappiness < -1 || swappiness > 100)
  ) {
    throw new BadRequest(
      `Invalid value: ${swappiness}, valid memory swappiness range is 0-100`,
    );
  }
  if (nanoCpus !== 0 && period !== 0) {
    throw new BadRequest("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  if (nanoCpus !== 0 && quota !== 0) {
    throw new BadRequest("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  }
  if (nanoCpus < 0 || nanoCpus > host.cpuCount * 1e9) {
    throw new BadRequest(
      `Range of CPUs is from 0.01 to ${host.cpuCount}.00, as there are only ${host.cpuCount} CPUs available`,
    );
  }
  if (nanoCpus > 0 && nanoCpus < 1e7) {
    throw new BadRequest(`Range of CPUs is from 0.01 to ${host.cpuCount}.00`);
  }
  if (shares < 0) throw new BadRequest("CpuShares must not be negative");
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw new BadRequest(
      "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
    );
  }
  if (quota !== 0 && quota !== -1 && quota < 1000) {
    throw new BadRequest("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  }
  for (const [field, name] of [["CpusetCpus", "cpus"], ["CpusetMems", "mems"]] as const) {
    const text = requested[field];
    if (text === undefined || text === "") continue;
    if (typeof text !== "string" || !parseCpuList(text)) {
      throw new BadRequest(`Invalid value ${text} for ${name}`);
    }
  }
  if (requested.CpusetCpus) {
    const online = new Set(parseCpuList(host.onlineCpus) ?? []);
    if (parseCpuList(requested.CpusetCpus)!.some((cpu) => !online.has(cpu))) {
      throw new BadRequest(
        `Requested CPUs are not available - requested ${requested.CpusetCpus}, available: ${host.onlineCpus}`,
      );
    }
  }
  if (blkioWeight !== 0 && (blkioWeight < 10 || blkioWeight > 1000)) {
    throw new BadRequest("Range of blkio weight is from 10 to 1000");
  }
  return {
    Memory: memory,
    MemorySwap: swap,
    MemoryReservation: reservation,
    MemorySwappiness: swappiness,
    OomKillDisable: requested.OomKillDisable ?? false,
    NanoCpus: nanoCpus,
    CpuShares: shares,
    CpuPeriod: period,
    CpuQuota: quota,
    CpusetCpus: requested.CpusetCpus ?? "",
    CpusetMems: requested.CpusetMems ?? "",
    // As docker: 0 and -1 both mean no limit.
    PidsLimit: pids > 0 ? pids : 0,
    BlkioWeight: blkioWeight,
  };
}

/** The CFS period docker uses for NanoCpus, in microseconds. */
const NANO_CPUS_PERIOD = 100_000;

/**
 * The OCI linux.resources for normalized limits (without the device
 * rules). Unset limits are left out, so the runtime keeps its defaults.
 */
export function ociResources(limits: ResourceLimits): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const memory: Record<string, unknown> = {};
  if (limits.Memory) memory.limit = limits.Memory;
  // OCI's swap (cgroup v1 memsw) is memory plus swap, as docker's MemorySwap.
  if (limits.MemorySwap) memory.swap = limits.MemorySwap;
  if (limits.MemoryReservation) memory.reservation = limits.MemoryReservation;
  if (limits.MemorySwappiness !== null && limits.MemorySwappiness !== undefined) {
    if (limits.MemorySwappiness >= 0) memory.swappiness = limits.MemorySwappiness;
  }
  if (limits.OomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) resources.memory = memory;

  const cpu: Record<string, unknown> = {};
  if (limits.CpuShares) cpu.shares = limits.CpuShares;
  if (limits.NanoCpus) {
    cpu.period = NANO_CPUS_PERIOD;
    cpu.quota = Math.round(limits.NanoCpus * NANO_CPUS_PERIOD / 1e9);
  }
  if (limits.CpuPeriod) cpu.period = limits.CpuPeriod;
  if (limits.CpuQuota) cpu.quota = limits.CpuQuota;
  if (limits.CpusetCpus) cpu.cpus = limits.CpusetCpus;
  if (limits.CpusetMems) cpu.mems = limits.CpusetMems;
  if (Object.keys(cpu).length) resources.cpu = cpu;

  if (limits.PidsLimit) resources.pids = { limit: limits.PidsLimit };
  if (limits.BlkioWeight) resources.blockIO = { weight: limits.BlkioWeight };
  return resources;
}
