/**
 * Resource limit flags (`--memory`, `--cpus`, `--pids-limit`, ...), shared
 * by `create`, `run` and `update`, and the HostConfig fields they set.
 * @module
 */

import { parseSize } from "../lib/units.ts";
import { type Flags, type FlagSpec, UsageError } from "./flags.ts";

/** The resource flags, as docker spells them. */
export const RESOURCE_FLAGS: FlagSpec[] = [
  { name: "memory", short: "m", type: "string", value: "bytes", description: "Memory limit" },
  {
    name: "memory-swap",
    type: "string",
    value: "bytes",
    description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
  },
  {
    name: "memory-reservation",
    type: "string",
    value: "bytes",
    description: "Memory soft limit",
  },
  {
    name: "memory-swappiness",
    type: "int",
    value: "int",
    description: "Tune container memory swappiness (0 to 100)",
  },
  { name: "oom-kill-disable", type: "bool", description: "Disable OOM Killer" },
  { name: "cpus", type: "string", value: "decimal", description: "Number of CPUs" },
  {
    name: "cpu-shares",
    short: "c",
    type: "int",
    value: "int",
    description: "CPU shares (relative weight)",
  },
  {
    name: "cpu-period",
    type: "int",
    value: "int",
    description: "Limit CPU CFS (Completely Fair Scheduler) period",
  },
  {
    name: "cpu-quota",
    type: "int",
    value: "int",
    description: "Limit CPU CFS (Completely Fair Scheduler) quota",
  },
  {
    name: "cpuset-cpus",
    type: "string",
    value: "string",
    description: "CPUs in which to allow execution (0-3, 0,1)",
  },
  {
    name: "cpuset-mems",
    type: "string",
    value: "string",
    description: "MEMs in which to allow execution (0-3, 0,1)",
  },
  {
    name: "pids-limit",
    type: "int",
    value: "int",
    description: "Tune container pids limit (set -1 for unlimited)",
  },
  {
    name: "blkio-weight",
    type: "int",
    value: "uint16",
    description: "Block IO (relative weight), between 10 and 1000, or 0 to disable",
  },
];

function size(flags: Flags, name: string, label: string): number | undefined {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  if (text === "-1" && name === "memory-swap") return -1;
  const parsed = parseSize(text);
  if (parsed === undefined) {
    throw new UsageError(`invalid argument "${text}" for "${label}" flag: invalid size`);
  }
  return parsed;
}

function nanoCpus(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(
      `invalid argument "${text}" for "--cpus" flag: failed to parse ${text} as a rational number`,
    );
  }
  return Math.round(value * 1e9);
}

/** The HostConfig fields of the resource flags given (none for flags left out). */
export function resourceLimits(flags: Flags): Record<string, unknown> {
  const limits: Record<string, unknown> = {
    Memory: size(flags, "memory", "-m, --memory"),
    MemorySwap: size(flags, "memory-swap", "--memory-swap"),
    MemoryReservation: size(flags, "memory-reservation", "--memory-reservation"),
    MemorySwappiness: flags.int("memory-swappiness"),
    OomKillDisable: flags.bool("oom-kill-disable") || undefined,
    NanoCpus: nanoCpus(flags.string("cpus")),
    CpuShares: flags.int("cpu-shares"),
    CpuPeriod: flags.int("cpu-period"),
    CpuQuota: flags.int("cpu-quota"),
    CpusetCpus: flags.string("cpuset-cpus"),
    CpusetMems: flags.string("cpuset-mems"),
    PidsLimit: flags.int("pids-limit"),
    BlkioWeight: flags.int("blkio-weight"),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
