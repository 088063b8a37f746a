/**
 * Writes a container's OCI runtime spec (bundle/config.json) from its
 * docker Config and HostConfig, with docker's defaults.
 * @module
 */

import type { ContainerRecord } from "../containers/container.ts";
import { byDepth, specMounts } from "../containers/mount_points.ts";
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_PATH,
  defaultMounts,
  DEVICE_RULES,
  MASKED_PATHS,
  READONLY_PATHS,
  type SpecMount,
} from "./defaults.ts";
import { ociResources } from "./resources.ts";
import { RLIM_INFINITY, type SpecRlimit } from "./rlimits.ts";
import type { ResolvedUser } from "./user.ts";

/** What the spec is made from, besides the container record. */
export interface SpecInput {
  record: ContainerRecord;
  /** The mounted root filesystem. */
  rootfs: string;
  user: ResolvedUser;
  hostname: string;
  /** cgroupfs path, `/berth/<id>`. */
  cgroupsPath: string;
  rlimits: SpecRlimit[];
  /** Host files bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf. */
  files: { hostname: string; hosts: string; resolvConf: string };
}

/** The resolved command: entrypoint followed by cmd. */
export function containerCommand(record: Pick<ContainerRecord, "path" | "args">): string[] {
  return [record.path, ...record.args];
}

/** Set `KEY=value` unless the list already has KEY. */
function setDefault(env: string[], key: string, value: string): string[] {
  return env.some((entry) => entry.split("=")[0] === key) ? env : [...env, `${key}=${value}`];
}

/**
 * A process environment with docker's daemon-provided defaults (PATH,
 * HOSTNAME, TERM with a tty, the user's HOME) under what `env` sets.
 */
export function processEnv(
  input: { env: string[]; hostname: string; tty: boolean; home: string },
): string[] {
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${input.hostname}`];
  if (input.tty) defaults.push("TERM=xterm");
  let env = [...input.env];
  for (const entry of defaults.reverse()) {
    const [key] = entry.split("=");
    if (!env.some((existing) => existing.split("=")[0] === key)) env.unshift(entry);
  }
  env = setDefault(env, "HOME", input.home || "/");
  return env;
}

/** What an OCI process is made of (the container's init, or an exec). */
export interface ProcessInput {
  tty: boolean;
  user: ResolvedUser;
  args: string[];
  env: string[];
  cwd: string;
  rlimits: SpecRlimit[];
  consoleSize?: { rows: number; cols: number };
}

/** An OCI process with docker's default capabilities. */
export function buildProcess(input: ProcessInput): Record<string, unknown> {
  const process: Record<string, unknown> = {
    terminal: input.tty,
    user: {
      uid: input.user.uid,
      gid: input.user.gid,
      ...(input.user.additionalGids.length ? { additionalGids: input.user.additionalGids } : {}),
    },
    args: input.args,
    env: input.env,
    cwd: input.cwd,
    capabilities: {
      bounding: DEFAULT_CAPABILITIES,
      effective: DEFAULT_CAPABILITIES,
      permitted: DEFAULT_CAPABILITIES,
    },
    rlimits: input.rlimits,
    noNewPrivileges: false,
  };
  const size = input.consoleSize;
  if (input.tty && size && size.rows > 0 && size.cols > 0) {
    process.consoleSize = { height: size.rows, width: size.cols };
  }
  return process;
}

/** Build the spec object. */
export function buildSpec(input: SpecInput): Record<string, unknown> {
  const { record } = input;
  const { config, hostConfig } = record;
  const hostNetwork = hostConfig.NetworkMode === "host";
  const bind = (destination: string, source: string): SpecMount => ({
    destination,
    type: "bind",
    source,
    options: ["rbind", "rprivate"],
  });
  const own = specMounts(record.mounts);
  const taken = new Set(own.map((mount) => mount.destination));
  // What the container mounts itself replaces docker's default at that
  // path; its own mounts and the /etc files go parents first (a volume on
  // /etc must not hide /etc/hosts).
  const notTaken = (mount: SpecMount) => !taken.has(mount.destination);
  const mounts = [
    ...defaultMounts().filter(notTaken),
    ...byDepth(
      [
        bind("/etc/resolv.conf", input.files.resolvConf),
        bind("/etc/hostname", input.files.hostname),
        bind("/etc/hosts", input.files.hosts),
      ].filter(notTaken).concat(own),
      (mount) => mount.destination,
    ),
  ];
  const namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  if (!hostNetwork) namespaces.push({ type: "network" });
  const resources = { devices: DEVICE_RULES, ...ociResources(hostConfig) };
  const [height, width] = hostConfig.ConsoleSize ?? [0, 0];
  const process = buildProcess({
    tty: config.Tty,
    user: input.user,
    args: containerCommand(record),
    env: processEnv({
      env: config.Env,
      hostname: input.hostname,
      tty: config.Tty,
      home: input.user.home,
    }),
    cwd: config.WorkingDir || "/",
    rlimits: input.rlimits,
    consoleSize: { rows: height, cols: width },
  });
  return {
    ociVersion: "1.0.2",
    process,
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts,
    linux: {
      cgroupsPath: input.cgroupsPath,
      resources,
      namespaces,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      ...(hostNetwork ? {} : {
        sysctl: {
          "net.ipv4.ip_unprivileged_port_start": "0",
          "net.ipv4.ping_group_range": "0 2147483647",
        },
      }),
    },
  };
}

/** JSON text of a spec; unlimited rlimits become 2^64-1 exactly. */
export function serializeSpec(spec: Record<string, unknown>): string {
  return JSON.stringify(spec, null, 2).replaceAll(`"${RLIM_INFINITY}"`, "18446744073709551615");
}
