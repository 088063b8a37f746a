/**
 * Writes a container's OCI runtime spec (bundle/config.json) from its
 * docker Config and HostConfig, with docker's defaults.
 * @module
 */

import type { ContainerRecord } from "../containers/container.ts";
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_PATH,
  defaultMounts,
  DEVICE_RULES,
  MASKED_PATHS,
  READONLY_PATHS,
  type SpecMount,
} from "./defaults.ts";
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

/** The process environment, with docker's daemon-provided defaults. */
export function processEnv(input: SpecInput): string[] {
  const { config } = input.record;
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${input.hostname}`];
  if (config.Tty) defaults.push("TERM=xterm");
  let env = [...config.Env];
  for (const entry of defaults.reverse()) {
    const [key] = entry.split("=");
    if (!env.some((existing) => existing.split("=")[0] === key)) env.unshift(entry);
  }
  env = setDefault(env, "HOME", input.user.home || "/");
  return env;
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
  const mounts = [
    ...defaultMounts(),
    bind("/etc/resolv.conf", input.files.resolvConf),
    bind("/etc/hostname", input.files.hostname),
    bind("/etc/hosts", input.files.hosts),
  ];
  const namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  if (!hostNetwork) namespaces.push({ type: "network" });
  const resources: Record<string, unknown> = { devices: DEVICE_RULES };
  if (hostConfig.Memory > 0) resources.memory = { limit: hostConfig.Memory };
  const [height, width] = hostConfig.ConsoleSize ?? [0, 0];
  const process: Record<string, unknown> = {
    terminal: config.Tty,
    user: {
      uid: input.user.uid,
      gid: input.user.gid,
      ...(input.user.additionalGids.length ? { additionalGids: input.user.additionalGids } : {}),
    },
    args: containerCommand(record),
    env: processEnv(input),
    cwd: config.WorkingDir || "/",
    capabilities: {
      bounding: DEFAULT_CAPABILITIES,
      effective: DEFAULT_CAPABILITIES,
      permitted: DEFAULT_CAPABILITIES,
    },
    rlimits: input.rlimits,
    noNewPrivileges: false,
  };
  if (config.Tty && height > 0 && width > 0) process.consoleSize = { height, width };
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
