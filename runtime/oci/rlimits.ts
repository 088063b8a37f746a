/**
 * Resource limits: the daemon's own hard limits cap what a container may
 * ask for, because a runtime cannot raise a hard limit above its caller's.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { getrlimit } from "../system/libc.ts";

/** The rlimit names of the API (`nofile`), their OCI names and Linux numbers. */
const LIMITS: Record<string, { type: string; resource: number }> = {
  cpu: { type: "RLIMIT_CPU", resource: 0 },
  fsize: { type: "RLIMIT_FSIZE", resource: 1 },
  data: { type: "RLIMIT_DATA", resource: 2 },
  stack: { type: "RLIMIT_STACK", resource: 3 },
  core: { type: "RLIMIT_CORE", resource: 4 },
  rss: { type: "RLIMIT_RSS", resource: 5 },
  nproc: { type: "RLIMIT_NPROC", resource: 6 },
  nofile: { type: "RLIMIT_NOFILE", resource: 7 },
  memlock: { type: "RLIMIT_MEMLOCK", resource: 8 },
  as: { type: "RLIMIT_AS", resource: 9 },
  locks: { type: "RLIMIT_LOCKS", resource: 10 },
  sigpending: { type: "RLIMIT_SIGPENDING", resource: 11 },
  msgqueue: { type: "RLIMIT_MSGQUEUE", resource: 12 },
  nice: { type: "RLIMIT_NICE", resource: 13 },
  rtprio: { type: "RLIMIT_RTPRIO", resource: 14 },
  rttime: { type: "RLIMIT_RTTIME", resource: 15 },
};

/** A limit in the OCI spec; {@link RLIM_INFINITY} for unlimited. */
export interface SpecRlimit {
  type: string;
  soft: number | typeof RLIM_INFINITY;
  hard: number | typeof RLIM_INFINITY;
}

/**
 * Placeholder for 2^64-1, which a JS number cannot hold exactly; the spec
 * writer replaces it with the literal (see `serializeSpec`).
 */
export const RLIM_INFINITY = "__RLIM_INFINITY__";

/** Hard limits of this process by API name; Infinity for "unlimited". */
export type HardLimits = Record<string, number>;

/** Read the daemon's hard limits (getrlimit). */
export function readHardLimits(): HardLimits {
  const limits: HardLimits = {};
  for (const [name, { resource }] of Object.entries(LIMITS)) limits[name] = getrlimit(resource)[1];
  return limits;
}

/** Docker gives containers this many open files when its caller allows it. */
const DEFAULT_NOFILE = 1048576;

/**
 * The rlimits of a container: NOFILE at docker's default but never above the
 * daemon's hard limit, plus what the user asked for, checked against it.
 */
export function containerRlimits(
  requested: { Name: string; Soft: number; Hard: number }[],
  hard: HardLimits,
): SpecRlimit[] {
  const nofile = Math.min(DEFAULT_NOFILE, hard.nofile ?? DEFAULT_NOFILE);
  const limits = new Map<string, SpecRlimit>([
    ["nofile", { type: "RLIMIT_NOFILE", soft: nofile, hard: nofile }],
  ]);
  for (const { Name, Soft, Hard } of requested) {
    const name = Name.toLowerCase().replace(/^rlimit_/, "");
    const known = LIMITS[name];
    if (!known) throw new BadRequest(`invalid ulimit type: ${Name}`);
    if (!Number.isInteger(Soft) || !Number.isInteger(Hard) || Soft < -1 || Hard < -1) {
      throw new BadRequest(`invalid ulimit ${name}: soft and hard must be whole numbers`);
    }
    const soft = Soft === -1 ? Infinity : Soft;
    const hardValue = Hard === -1 ? Infinity : Hard;
    if (soft > hardValue) {
      throw new BadRequest(
        `ulimit soft limit must be less than or equal to hard limit: ${Soft} > ${Hard}`,
      );
    }
    const ceiling = hard[name] ?? Infinity;
    if (hardValue > ceiling) {
      throw new BadRequest(
        `ulimit ${name}: hard limit ${Hard} exceeds the daemon's own hard limit ${ceiling}, ` +
          `which a container cannot raise`,
      );
    }
    limits.set(name, {
      type: known.type,
      soft: Soft === -1 ? RLIM_INFINITY : Soft,
      hard: Hard === -1 ? RLIM_INFINITY : Hard,
    });
  }
  return [...limits.values()];
}
