/**
 * Writes a container's OCI runtime spec (bundle/config.json) from its
 * docker Config and HostConfig, with docker's defaults.
 * @module
 */

import type { ContainerRecord } from "../containers/container.ts";
import { liveEndpoints } from "../networks/attachments.ts";
import { byDepth, specMounts } from "../containers/mount_points.ts";
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_PATH,
  defaultMounts,
  DEVICE_RULES,
  MASKED_PATHS,
  NETWORK_SYSCTLS,
  READONLY_PATHS,
  type SpecMount,
} from "./defaults.ts";
import {
  DEFAULT_SHM_SIZE,
  noNewPrivileges,
  parseDeviceCgroupRule,
  systemPathsUnconfined,
} from "../containers/host_options.ts";
import type { SpecDevice } from "../system/host_devices.ts";
import { boundingCapabilities } from "../system/host_capabilities.ts";
import { CONTAINER_INIT_PATH } from "../system/init_binary.ts";
import { containerCapabilities } from "./capabilities.ts";
import { ociResources } from "./resources.ts";
import { RLIM_INFINITY, type SpecRlimit } from "./rlimits.ts";
import type { ResolvedUser } from "./user.ts";
import { containerSeccomp, type SeccompDefault } from "./seccomp.ts";
import { containerApparmorProfile, type HostLsm } from "../system/lsm.ts";
import { ociMappings } from "../system/userns.ts";

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
  /** Host devices the container gets (--device, or all of them when privileged). */
  devices?: (SpecDevice & { access: string })[];
  /** The host's static init, for --init. */
  initBinary?: string;
  /** A network namespace to join (`--network container:ID`: that container's). */
  networkNamespace?: string;
  /** The user namespace that goes with it (a remapped container's). */
  userNamespace?: string;
  /** Namespaces to join by path, by OCI type (a pod's: its sandbox's pid, ipc, uts, network). */
  joinNamespaces?: Record<string, string>;
  /** The daemon's default seccomp filter and the host's security modules. */
  confinement?: { seccompDefault: SeccompDefault; lsm: HostLsm };
}

/** The resolved command: entrypoint followed by cmd. */
export function containerCommand(record: Pick<ContainerRecord, "path" | "args">): string[] {
  return [record.path, ...record.args];
}

/** The legacy links' variables under the container's own (which win). */
export function withLinkEnv(linkEnv: string[], env: string[]): string[] {
  const own = new Set(env.map((entry) => entry.split("=")[0]));
  return [...linkEnv.filter((entry) => !own.has(entry.split("=")[0])), ...env];
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
  /** The container's capabilities (docker's default set when left out). */
  capabilities?: string[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

/** The capabilities and no-new-privileges a container's HostConfig asks for (execs share them). */
export function processSecurity(
  hostConfig: ContainerRecord["hostConfig"],
): Pick<ProcessInput, "capabilities" | "noNewPrivileges"> {
  return {
    capabilities: containerCapabilities(
      hostConfig.CapAdd ?? [],
      hostConfig.CapDrop ?? [],
      hostConfig.Privileged === true,
      boundingCapabilities(),
    ),
    noNewPrivileges: noNewPrivileges(hostConfig),
  };
}

/** An OCI process. */
export function buildProcess(input: ProcessInput): Record<string, unknown> {
  const capabilities = input.capabilities ?? DEFAULT_CAPABILITIES;
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
    capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
    rlimits: input.rlimits,
    noNewPrivileges: input.noNewPrivileges ?? false,
  };
  if (input.oomScoreAdj) process.oomScoreAdj = input.oomScoreAdj;
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
  const privileged = hostConfig.Privileged === true;
  const ipcHost = hostConfig.IpcMode === "host";
  const init = input.initBinary
    ? [{ ...bind(CONTAINER_INIT_PATH, input.initBinary), options: ["bind", "ro"] }]
    : [];
  const mounts = [
    ...defaultMounts({
      shmSize: hostConfig.ShmSize || DEFAULT_SHM_SIZE,
      hostShm: ipcHost,
      sysWritable: privileged,
    }).filter(notTaken),
    ...init,
    ...byDepth(
      [
        bind("/etc/resolv.conf", input.files.resolvConf),
        bind("/etc/hostname", input.files.hostname),
        bind("/etc/hosts", input.files.hosts),
      ].filter(notTaken).concat(own),
      (mount) => mount.destination,
    ),
  ];
  const namespaces: { type: string; path?: string }[] = [{ type: "mount" }];
  if (hostConfig.PidMode !== "host") namespaces.push({ type: "pid" });
  if (!ipcHost) namespaces.push({ type: "ipc" });
  if (hostConfig.UTSMode !== "host") namespaces.push({ type: "uts" });
  // On the bridge the runtime joins the namespace set up for it.
  // A remapped container's runtime makes its namespace, which the daemon
  // then sets up (it must belong to the container's user namespace).
  const netnsPath = input.networkNamespace ??
    (record.idMapping ? undefined : liveEndpoints(record.networks)[0]?.sandboxKey);
  if (netnsPath) namespaces.push({ type: "network", path: netnsPath });
  else if (!hostNetwork) namespaces.push({ type: "network" });
  if (hostConfig.CgroupnsMode === "private") namespaces.push({ type: "cgroup" });
  for (const [type, path] of Object.entries(input.joinNamespaces ?? {})) {
    const entry = namespaces.find((namespace) => namespace.type === type);
    if (entry) entry.path = path;
    else namespaces.push({ type, path });
  }
  // Joining another container's network namespace joins its user namespace too.
  if (record.idMapping) {
    namespaces.push({
      type: "user",
      ...(input.userNamespace ? { path: input.userNamespace } : {}),
    });
  }
  const devices = input.devices ?? [];
  const deviceRules = privileged ? [{ allow: true, access: "rwm" }] : [
    ...DEVICE_RULES,
    ...devices.map((device) => ({
      allow: true,
      type: device.type,
      major: device.major,
      minor: device.minor,
      access: device.access,
    })),
    ...(hostConfig.DeviceCgroupRules ?? []).map((rule) => ({
      allow: true,
      ...parseDeviceCgroupRule(rule),
    })),
  ];
  const resources = { devices: deviceRules, ...ociResources(hostConfig) };
  const unconfined = privileged || systemPathsUnconfined(hostConfig);
  const [height, width] = hostConfig.ConsoleSize ?? [0, 0];
  const security = processSecurity(hostConfig);
  const process = buildProcess({
    tty: config.Tty,
    user: input.user,
    args: input.initBinary
      ? [CONTAINER_INIT_PATH, "--", ...containerCommand(record)]
      : containerCommand(record),
    env: processEnv({
      env: withLinkEnv(record.linked?.env ?? [], config.Env),
      hostname: input.hostname,
      tty: config.Tty,
      home: input.user.home,
    }),
    cwd: config.WorkingDir || "/",
    rlimits: input.rlimits,
    consoleSize: { rows: height, cols: width },
    ...security,
    oomScoreAdj: hostConfig.OomScoreAdj,
  });
  const confinement = input.confinement ?? {
    seccompDefault: { kind: "builtin" },
    lsm: { apparmor: false, selinux: false },
  };
  const seccomp = containerSeccomp(hostConfig, security.capabilities!, confinement.seccompDefault);
  const apparmorProfile = containerApparmorProfile(hostConfig, confinement.lsm);
  if (apparmorProfile) process.apparmorProfile = apparmorProfile;
  // In a user namespace only its own gids can be given ping sockets.
  const sysctl: Record<string, string> = hostNetwork ? {} : record.idMapping
    ? {
      ...NETWORK_SYSCTLS,
      "net.ipv4.ping_group_range": `0 ${record.idMapping.gid.size - 1}`,
    }
    : NETWORK_SYSCTLS;
  return {
    ociVersion: "1.0.2",
    ...(hostConfig.Annotations ? { annotations: { ...hostConfig.Annotations } } : {}),
    process,
    root: { path: input.rootfs, readonly: hostConfig.ReadonlyRootfs === true },
    // Without its own UTS namespace the runtime may not set a hostname.
    ...(hostConfig.UTSMode === "host" ? {} : {
      hostname: input.hostname,
      ...(config.Domainname ? { domainname: config.Domainname } : {}),
    }),
    mounts,
    linux: {
      ...rootfsPropagation(record),
      cgroupsPath: input.cgroupsPath,
      resources,
      namespaces,
      ...(devices.length
        ? { devices: devices.map(({ access: _access, ...device }) => device) }
        : {}),
      maskedPaths: unconfined ? [] : hostConfig.MaskedPaths ?? MASKED_PATHS,
      readonlyPaths: unconfined ? [] : hostConfig.ReadonlyPaths ?? READONLY_PATHS,
      sysctl: { ...sysctl, ...hostConfig.Sysctls },
      ...(seccomp ? { seccomp } : {}),
      ...(record.idMapping ? ociMappings(record.idMapping) : {}),
    },
  };
}

/**
 * The rootfs's propagation a bind's asks for, as docker and containerd
 * set it: a shared bind needs a shared root (its mounts reach the host),
 * a slave bind a slave one; else the runtime's default.
 */
function rootfsPropagation(record: ContainerRecord): { rootfsPropagation?: string } {
  const modes = new Set((record.mounts ?? []).map((point) => point.Propagation));
  if (modes.has("rshared") || modes.has("shared")) return { rootfsPropagation: "rshared" };
  if (modes.has("rslave") || modes.has("slave")) return { rootfsPropagation: "rslave" };
  return {};
}

/** JSON text of a spec; unlimited rlimits become 2^64-1 exactly. */
export function serializeSpec(spec: Record<string, unknown>): string {
  return JSON.stringify(spec, null, 2).replaceAll(`"${RLIM_INFINITY}"`, "18446744073709551615");
}
