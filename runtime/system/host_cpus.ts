/**
 * The host's CPUs, as resource limits are checked against them.
 * @module
 */

import { readSystemFile } from "./libc.ts";

/** How many CPUs there are and which are online ("0-3"). */
export function hostCpus(): { cpuCount: number; onlineCpus: string } {
  const cpuCount = navigator.hardwareConcurrency;
  const online = readSystemFile("/sys/devices/system/cpu/online")?.trim();
  return { cpuCount, onlineCpus: online || `0-${cpuCount - 1}` };
}
