/**
 * The HostConfig options beyond networking, logs and resources, checked
 * at create as docker checks them: capabilities, --privileged,
 * --read-only, --security-opt, --device, --sysctl, --dns/--add-host,
 * --shm-size, --init, --group-add, --oom-score-adj, --pid/--ipc/--uts host,
 * port publishing. What berth cannot do yet is refused with a clear
 * message rather than silently ignored: a container must never run with
 * less isolation, or different settings, than it was asked for.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { formatIpv6, parseIpv6 } from "../networks/ipv6.ts";
import type { EndpointRequest } from "../networks/attachments.ts";
import { normalizeCapability } from "../oci/capabilities.ts";
import { requestedPorts } from "../networks/port_bindings.ts";
import { splitSecurityOption } from "../oci/seccomp.ts";
import { parseSeccompProfile } from "../oci/seccomp_profile.ts";
import { type HostLsm, loadedApparmorProfiles } from "../system/lsm.ts";

/** A --device mapping. */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** The options this module checks, as stored in the container's HostConfig. */
export interface HostOptions {
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  Devices: DeviceMapping[];
  DeviceCgroupRules: string[] | null;
  Sysctls: Record<string, string> | null;
  Dns: string[];
  DnsSearch: string[];
  DnsOptions: string[];
  ExtraHosts: string[] | null;
  ShmSize: number;
  Init: boolean | null;
  GroupAdd: string[] | null;
  OomScoreAdj: number;
  PidMode: string;
  IpcMode: string;
  UTSMode: string;
  MaskedPaths: string[] | null;
  ReadonlyPaths: string[] | null;
  /** "private": a cgroup namespace of its own; "" or "host": the host's. */
  CgroupnsMode: string;
  /** OCI annotations of the container's spec. */
  Annotations: Record<string, string> | null;
  /** "host": no user namespace, also under `--userns-remap`; "": the daemon's default. */
  UsernsMode: string;
  /** `--volume-driver` (kept as given; see create). */
  VolumeDriver: string;
}

/** Docker's default /dev/shm size (64 MiB). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new BadRequest(`${field} must be a list of strings`);
  }
  return value;
}

function isIp(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255);
  return /^[0-9a-f:.]+$/i.test(text) && text.includes(":");
}

/**
 * `--add-host host:ip` entries (docker's API form); `host-gateway` stands
 * for the bridge's address, so it needs the bridge.
 */
function checkExtraHosts(entries: string[], bridge: boolean): string[] {
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    const name = entry.slice(0, colon);
    const address = entry.slice(colon + 1);
    if (colon <= 0 || !name) throw new BadRequest(`invalid extra host: ${entry}`);
    if (address === "host-gateway") {
      if (bridge) continue;
      throw new BadRequest(
        `invalid extra host ${entry}: host-gateway needs the bridge network, and the daemon runs with --bridge none`,
      );
    }
    if (!isIp(address)) throw new BadRequest(`invalid IP address in add-host: "${address}"`);
  }
  return entries;
}

/** Docker's rules for namespaced sysctls (others would change the host). */
function checkSysctls(sysctls: Record<string, string>, hostNetwork: boolean, ipcHost: boolean) {
  for (const [key, value] of Object.entries(sysctls)) {
    if (typeof value !== "string") throw new BadRequest(`sysctl ${key} must be a string`);
    const ipc = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall"]
      .includes(key) ||
      /^kernel\.shm(max|mni|_rmid_forced)$/.test(key) ||
      key.startsWith("fs.mqueue.");
    if (ipc && !ipcHost) continue;
    if (key.startsWith("net.") && !hostNetwork) continue;
    if (ipc) throw new BadRequest(`sysctl '${key}' is not allowed in host IPC mode`);
    if (key.startsWith("net.")) {
      throw new BadRequest(`sysctl '${key}' is not allowed in host network mode`);
    }
    throw new BadRequest(`sysctl '${key}' is not allowed`);
  }
}

/**
 * `--security-opt`s as docker takes them: no-new-privileges, systempaths,
 * a seccomp profile (unconfined, or its JSON content), an AppArmor
 * profile and SELinux labels where the host has them.
 */
function checkSecurityOpts(options: string[], lsm: HostLsm): string[] | null {
  for (const option of options) {
    const [key, value = "true"] = splitSecurityOption(option);
    if (key === "no-new-privileges" && /^(true|false)$/.test(value)) continue;
    if (key === "systempaths" && value === "unconfined") continue;
    if (key === "seccomp") {
      if (value !== "unconfined") parseSeccompProfile(value);
      continue;
    }
    if (key === "apparmor") {
      if (value === "unconfined") continue;
      if (!lsm.apparmor) {
        throw new BadRequest(
          `--security-opt ${option}: AppArmor is not enabled on this host, so no profile can be applied`,
        );
      }
      if (!loadedApparmorProfiles().has(value)) {
        throw new BadRequest(
          `AppArmor enabled on system but the ${value} profile could not be loaded.`,
        );
      }
      continue;
    }
    if (key === "label") {
      if (value === "disable") continue;
      throw new BadRequest(
        lsm.selinux
          ? `--security-opt ${option}: SELinux labels are not supported by berth yet`
          : `--security-opt ${option}: SELinux is not enabled on this host`,
      );
    }
    throw new BadRequest(`Invalid --security-opt: ${JSON.stringify(option)}`);
  }
  return options.length ? options : null;
}

/** "c 1:3 mr" and friends (docker's --device-cgroup-rule). */
export function parseDeviceCgroupRule(
  rule: string,
): { type: "a" | "c" | "b"; major?: number; minor?: number; access: string } {
  const match = /^([acb]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(rule.trim());
  if (!match) throw new BadRequest(`invalid device cgroup format '${rule}'`);
  const number = (text: string) => text === "*" ? undefined : Number(text);
  return {
    type: match[1] as "a" | "c" | "b",
    major: number(match[2]),
    minor: number(match[3]),
    access: match[4],
  };
}

function checkDevices(value: unknown): DeviceMapping[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequest("Devices must be a list");
  return value.map((device) => {
    const { PathOnHost, PathInContainer, CgroupPermissions } = device ?? {};
    if (typeof PathOnHost !== "string" || !PathOnHost.startsWith("/")) {
      throw new BadRequest(`invalid device path: ${JSON.stringify(PathOnHost)}`);
    }
    const inside = PathInContainer || PathOnHost;
    if (typeof inside !== "string" || !inside.startsWith("/")) {
      throw new BadRequest(`${inside} is not an absolute path`);
    }
    const permissions = CgroupPermissions || "rwm";
    if (!/^[rwm]{1,3}$/.test(permissions)) {
      throw new BadRequest(`invalid device mode: ${permissions}`);
    }
    return { PathOnHost, PathInContainer: inside, CgroupPermissions: permissions };
  });
}

/** A namespace mode: "" (the container's own) or "host"; others are refused. */
function checkMode(value: unknown, flag: string, field: string, also: string[] = []): string {
  const mode = typeof value === "string" ? value : "";
  if (mode === "" || mode === "host" || also.includes(mode)) return mode;
  throw new BadRequest(
    `${flag} ${mode}: berth supports only host${also.map((item) => `, ${item}`).join("")} ` +
      `or the container's own ${field} namespace for now`,
  );
}

/** HostConfig fields berth cannot honour yet: refused when set. */
const UNSUPPORTED: [string, string][] = [
  ["DeviceRequests", "--gpus"],
  ["BlkioWeightDevice", "--blkio-weight-device"],
  ["BlkioDeviceReadBps", "--device-read-bps"],
  ["BlkioDeviceWriteBps", "--device-write-bps"],
  ["BlkioDeviceReadIOps", "--device-read-iops"],
  ["BlkioDeviceWriteIOps", "--device-write-iops"],
  ["CpuRealtimePeriod", "--cpu-rt-period"],
  ["CpuRealtimeRuntime", "--cpu-rt-runtime"],
  ["CpuCount", "--cpu-count"],
  ["CpuPercent", "--cpu-percent"],
  ["IOMaximumIOps", "--io-maxiops"],
  ["IOMaximumBandwidth", "--io-maxbandwidth"],
  [
    "KernelMemory",
    "--kernel-memory (deprecated by docker; no kernel memory limit exists on cgroup v2)",
  ],
  ["KernelMemoryTCP", "--kernel-memory-tcp"],
];

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** True when a create request publishes ports (-p, or -P). */
export function publishesPorts(requested: Record<string, unknown>): boolean {
  return isSet(requested.PortBindings) || Boolean(requested.PublishAllPorts);
}

/** What another container's network namespace decides, refused with docker's words. */
export function checkJoinedNetwork(requested: Record<string, unknown>): void {
  if (isSet(requested.Dns) || isSet(requested.DnsSearch) || isSet(requested.DnsOptions)) {
    throw new BadRequest("conflicting options: dns and the network mode");
  }
  if (isSet(requested.ExtraHosts)) {
    throw new BadRequest("conflicting options: custom host-to-IP mapping and the network mode");
  }
  if (publishesPorts(requested)) {
    throw new BadRequest(
      "conflicting options: port publishing and the container type network mode",
    );
  }
}

/** Refuse what berth cannot honour yet, with what docker says where it says something. */
function refuseUnsupported(requested: Record<string, unknown>): void {
  for (const [field, flag] of UNSUPPORTED) {
    if (isSet(requested[field])) throw new BadRequest(`${flag} is not supported by berth yet`);
  }
  const volumeDriver = requested.VolumeDriver;
  if (isSet(volumeDriver) && typeof volumeDriver !== "string") {
    throw new BadRequest("VolumeDriver must be a string");
  }
  if (isSet(requested.StorageOpt)) {
    // docker's answer on overlay2 without xfs project quotas, berth's case
    throw new BadRequest(
      "--storage-opt is supported only for overlay over xfs with 'pquota' mount option",
    );
  }
  if (requested.Isolation && requested.Isolation !== "default") {
    throw new BadRequest(`invalid isolation: ${requested.Isolation}`);
  }
  const userns = requested.UsernsMode;
  if (userns && userns !== "host") {
    throw new BadRequest(`--userns ${userns} is not supported by berth yet`);
  }
}

/** `--cgroup-parent`: a cgroup path of plain names, no `.` or `..`. */
function checkCgroupParent(value: unknown): void {
  const parent = value ?? "";
  if (
    typeof parent !== "string" ||
    (parent !== "" &&
      (!/^\/?[\w.@:-]+(\/[\w.@:-]+)*\/?$/.test(parent) ||
        parent.split("/").some((part) => part === "." || part === "..")))
  ) {
    throw new BadRequest(`invalid cgroup parent: ${parent}`);
  }
}

/** `--cgroupns`: host, private or unset. */
function cgroupnsMode(value: unknown): string {
  const mode = value ?? "";
  if (mode !== "" && mode !== "host" && mode !== "private") {
    throw new BadRequest(`invalid cgroup namespace mode: ${mode}`);
  }
  return mode as string;
}

/** `--annotation`: an object of strings, or null. */
function annotationsOf(value: unknown): Record<string, string> | null {
  const annotations = value ?? null;
  if (
    annotations !== null &&
    (typeof annotations !== "object" || Array.isArray(annotations) ||
      Object.values(annotations).some((item) => typeof item !== "string"))
  ) {
    throw new BadRequest("Annotations must be an object of strings");
  }
  return annotations as Record<string, string> | null;
}

/** Published ports: valid on a bridge, moot with host networking, refused with none. */
function checkPublishing(requested: Record<string, unknown>, networkMode: string): void {
  if (networkMode !== "host" && networkMode !== "none") {
    requestedPorts(requested.PortBindings, false, {}); // a bridge: validated
  } else if (networkMode === "none" && publishesPorts(requested)) {
    // With host networking the bindings are moot, as docker has them.
    throw new BadRequest(
      `publishing ports needs the bridge network, and this container's network is ${networkMode}`,
    );
  }
}

/** `--cap-add` / `--cap-drop`, normalized to CAP_ names; null when none. */
function capabilityList(value: unknown, field: "CapAdd" | "CapDrop"): string[] | null {
  const names = stringList(value, field).map((name) => normalizeCapability(name, field));
  return names.length ? names : null;
}

/** `--shm-size` in bytes; 0: the default. */
function shmSizeOf(value: unknown): number {
  const size = value ?? 0;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
    throw new BadRequest("SHM size can not be less than 0");
  }
  return size;
}

/** `--oom-score-adj`, within the kernel's range. */
function oomScoreAdjOf(value: unknown): number {
  const adjustment = value ?? 0;
  if (
    typeof adjustment !== "number" || !Number.isInteger(adjustment) || adjustment < -1000 ||
    adjustment > 1000
  ) {
    throw new BadRequest(`Invalid value ${adjustment}, range for oom score adj is [-1000, 1000]`);
  }
  return adjustment;
}

/** `--dns`: IP addresses only. */
function dnsServers(value: unknown): string[] {
  const servers = stringList(value, "Dns");
  for (const server of servers) {
    if (!isIp(server)) throw new BadRequest(`${server} is not an ip address`);
  }
  return servers;
}

/** `--sysctl`: an object, each allowed in this container's namespaces; null when none. */
function sysctlsOf(
  value: unknown,
  namespaces: { hostNetwork: boolean; hostIpc: boolean },
): Record<string, string> | null {
  const sysctls = value ?? null;
  if (sysctls !== null && (typeof sysctls !== "object" || Array.isArray(sysctls))) {
    throw new BadRequest("Sysctls must be an object");
  }
  if (sysctls) {
    checkSysctls(sysctls as Record<string, string>, namespaces.hostNetwork, namespaces.hostIpc);
  }
  return sysctls as Record<string, string> | null;
}

/** `--device-cgroup-rule`s, each parsed; null when none. */
function deviceCgroupRules(value: unknown): string[] | null {
  const rules = stringList(value, "DeviceCgroupRules");
  rules.forEach(parseDeviceCgroupRule);
  return rules.length ? rules : null;
}

/** `--init`: true, false or unset (null). */
function initOf(value: unknown): boolean | null {
  const init = value ?? null;
  if (init !== null && typeof init !== "boolean") throw new BadRequest("Init must be a boolean");
  return init;
}

/** MaskedPaths / ReadonlyPaths: a list, or null for the defaults. */
function pathList(value: unknown, field: "MaskedPaths" | "ReadonlyPaths"): string[] | null {
  return value === undefined || value === null ? null : stringList(value, field);
}

/**
 * Check the options of a create request; returns them normalized.
 * `networkMode` is the checked network mode; `bridge` says whether the
 * daemon has the bridge network.
 */
export function normalizeHostOptions(
  requested: Record<string, unknown>,
  networkMode: string,
  bridge = false,
  lsm: HostLsm = { apparmor: false, selinux: false },
): HostOptions {
  refuseUnsupported(requested);
  checkCgroupParent(requested.CgroupParent);
  checkPublishing(requested, networkMode);
  const ipcMode = checkMode(requested.IpcMode, "--ipc", "IPC", ["private", "shareable"]);
  return {
    CapAdd: capabilityList(requested.CapAdd, "CapAdd"),
    CapDrop: capabilityList(requested.CapDrop, "CapDrop"),
    Privileged: requested.Privileged === true,
    ReadonlyRootfs: requested.ReadonlyRootfs === true,
    SecurityOpt: checkSecurityOpts(stringList(requested.SecurityOpt, "SecurityOpt"), lsm),
    Devices: checkDevices(requested.Devices),
    DeviceCgroupRules: deviceCgroupRules(requested.DeviceCgroupRules),
    Sysctls: sysctlsOf(requested.Sysctls, {
      hostNetwork: networkMode === "host",
      hostIpc: ipcMode === "host",
    }),
    Dns: dnsServers(requested.Dns),
    DnsSearch: stringList(requested.DnsSearch, "DnsSearch"),
    DnsOptions: stringList(requested.DnsOptions, "DnsOptions"),
    ExtraHosts: checkExtraHosts(stringList(requested.ExtraHosts, "ExtraHosts"), bridge),
    ShmSize: shmSizeOf(requested.ShmSize),
    Init: initOf(requested.Init),
    GroupAdd: stringList(requested.GroupAdd, "GroupAdd"),
    OomScoreAdj: oomScoreAdjOf(requested.OomScoreAdj),
    PidMode: checkMode(requested.PidMode, "--pid", "PID"),
    IpcMode: ipcMode,
    UTSMode: checkMode(requested.UTSMode, "--uts", "UTS"),
    MaskedPaths: pathList(requested.MaskedPaths, "MaskedPaths"),
    ReadonlyPaths: pathList(requested.ReadonlyPaths, "ReadonlyPaths"),
    CgroupnsMode: cgroupnsMode(requested.CgroupnsMode),
    Annotations: annotationsOf(requested.Annotations),
    UsernsMode: (requested.UsernsMode as string | undefined) ?? "",
    VolumeDriver: (requested.VolumeDriver as string | undefined) ?? "",
  };
}

const MAC_ADDRESS = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

/**
 * One network's EndpointSettings of a create or connect request, checked:
 * aliases and a given address on a user-defined network only (docker's
 * words), a MAC address, links and driver options.
 */
export function checkEndpointConfig(config: unknown, userNetwork: boolean): EndpointRequest {
  if (config === null || config === undefined) return { aliases: [], links: [] };
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new BadRequest("EndpointSettings must be an object");
  }
  const endpoint = config as {
    IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
    Aliases?: string[] | null;
    Links?: string[] | null;
    MacAddress?: string;
    DriverOpts?: Record<string, unknown> | null;
  };
  const ipam = endpoint.IPAMConfig;
  let ipv4Address: string | undefined;
  let ipv6Address: string | undefined;
  // Link-local addresses go on any bridge network, as docker's do.
  const linkLocalIps = stringList(ipam?.LinkLocalIPs, "LinkLocalIPs");
  for (const address of linkLocalIps) {
    if (!isIp(address)) throw new BadRequest(`invalid link-local IP address: ${address}`);
  }
  if (ipam && (ipam.IPv4Address || ipam.IPv6Address)) {
    if (!userNetwork) {
      throw new BadRequest(
        "user specified IP address is supported on user defined networks only",
      );
    }
    if (ipam.IPv4Address) {
      if (!isIp(ipam.IPv4Address) || ipam.IPv4Address.includes(":")) {
        throw new BadRequest(`invalid IPv4 address: ${ipam.IPv4Address}`);
      }
      ipv4Address = ipam.IPv4Address;
    }
    if (ipam.IPv6Address) {
      const value = parseIpv6(ipam.IPv6Address);
      if (value === undefined || value === 0n) {
        throw new BadRequest(`invalid IPv6 address: ${ipam.IPv6Address}`);
      }
      ipv6Address = formatIpv6(value);
    }
  }
  const aliases = isSet(endpoint.Aliases) ? stringList(endpoint.Aliases, "Aliases") : [];
  if (aliases.length && !userNetwork) {
    throw new BadRequest("network-scoped aliases are only supported for user-defined networks");
  }
  const mac = endpoint.MacAddress;
  if (mac !== undefined && mac !== "" && (typeof mac !== "string" || !MAC_ADDRESS.test(mac))) {
    throw new BadRequest(`invalid MAC address: ${mac}`);
  }
  const driverOpts = endpoint.DriverOpts;
  if (
    isSet(driverOpts) &&
    (typeof driverOpts !== "object" || Array.isArray(driverOpts) ||
      Object.values(driverOpts!).some((value) => typeof value !== "string"))
  ) {
    throw new BadRequest("DriverOpts must map names to strings");
  }
  return {
    aliases: [...new Set(aliases)],
    ipv4Address,
    ...(ipv6Address ? { ipv6Address } : {}),
    ...(linkLocalIps.length ? { linkLocalIps } : {}),
    ...(mac ? { macAddress: mac.toLowerCase() } : {}),
    links: isSet(endpoint.Links) ? stringList(endpoint.Links, "Links") : [],
    ...(isSet(driverOpts) && Object.keys(driverOpts!).length
      ? { driverOpts: driverOpts as Record<string, string> }
      : {}),
  };
}

/** True when the options ask for no-new-privileges. */
export function noNewPrivileges(options: Partial<HostOptions>): boolean {
  return (options.SecurityOpt ?? []).some((option) => {
    const [key, value = "true"] = splitSecurityOption(option);
    return key === "no-new-privileges" && value === "true";
  });
}

/** True when `--security-opt systempaths=unconfined` lifts the masked and read-only paths. */
export function systemPathsUnconfined(options: Partial<HostOptions>): boolean {
  return (options.SecurityOpt ?? []).some((option) => {
    const [key, value] = splitSecurityOption(option);
    return key === "systempaths" && value === "unconfined";
  });
}
