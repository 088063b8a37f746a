/**
 * The isolation and host flags of `create` and `run` (capabilities,
 * --privileged, --read-only, --security-opt, --device, --sysctl, DNS and
 * hosts, --shm-size, --init, --group-add, namespaces, -p) and the
 * HostConfig fields they set, as the docker CLI sends them.
 * @module
 */

import { parseSize } from "../lib/units.ts";
import { type Flags, type FlagSpec, keyValues, UsageError } from "./flags.ts";

const list = (name: string, description: string, value = "list"): FlagSpec => ({
  name,
  type: "list",
  value,
  description,
});
const text = (name: string, description: string, value = "string"): FlagSpec => ({
  name,
  type: "string",
  value,
  description,
});

/** The flags, as docker spells them. */
export const HOST_OPTION_FLAGS: FlagSpec[] = [
  list("cap-add", "Add Linux capabilities"),
  list("cap-drop", "Drop Linux capabilities"),
  { name: "privileged", type: "bool", description: "Give extended privileges to this container" },
  {
    name: "read-only",
    type: "bool",
    description: "Mount the container's root filesystem as read only",
  },
  list("security-opt", "Security Options"),
  list("device", "Add a host device to the container"),
  list("device-cgroup-rule", "Add a rule to the cgroup allowed devices list"),
  list("sysctl", "Sysctl options", "map"),
  list("dns", "Set custom DNS servers"),
  list("dns-search", "Set custom DNS search domains"),
  list("dns-option", "Set DNS options"),
  list("add-host", "Add a custom host-to-IP mapping (host:ip)"),
  text("shm-size", "Size of /dev/shm", "bytes"),
  {
    name: "init",
    type: "bool",
    description: "Run an init inside the container that forwards signals and reaps processes",
  },
  list("group-add", "Add additional groups to join"),
  {
    name: "oom-score-adj",
    type: "int",
    value: "int",
    description: "Tune host's OOM preferences (-1000 to 1000)",
  },
  text("pid", "PID namespace to use"),
  text("ipc", "IPC mode to use"),
  text("uts", "UTS namespace to use"),
  text("userns", "User namespace to use (host: none, under the daemon's --userns-remap)"),
  text("cgroupns", "Cgroup namespace to use (host|private)"),
  text("cgroup-parent", "Optional parent cgroup for the container"),
  list("annotation", "Add an annotation to the container (passed through to the OCI runtime)"),
  text("isolation", "Container isolation technology (default only)"),
  text("domainname", "Container NIS domain name"),
  { ...list("publish", "Publish a container's port(s) to the host"), short: "p" },
  {
    name: "publish-all",
    short: "P",
    type: "bool",
    description: "Publish all exposed ports to random ports",
  },
];

/** `--device /dev/x[:/dev/y[:rwm]]`. */
function parseDevice(spec: string) {
  const [host, inside, permissions] = spec.split(":");
  return {
    PathOnHost: host,
    PathInContainer: inside && !/^[rwm]+$/.test(inside) ? inside : host,
    CgroupPermissions: permissions ?? (inside && /^[rwm]+$/.test(inside) ? inside : "rwm"),
  };
}

/** `-p [ip:][hostPort:]containerPort[/proto]` as docker's PortBindings. */
function portBindings(specs: string[]) {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const spec of specs) {
    const [ports, proto = "tcp"] = spec.split("/");
    const parts = ports.split(":");
    const containerPort = parts.pop()!;
    const hostPort = parts.pop() ?? "";
    const hostIp = parts.join(":");
    if (!/^\d+(-\d+)?$/.test(containerPort) || (hostPort && !/^\d*(-\d+)?$/.test(hostPort))) {
      throw new UsageError(`invalid argument "${spec}" for "-p, --publish" flag: invalid port`);
    }
    (bindings[`${containerPort}/${proto}`] ??= []).push({ HostIp: hostIp, HostPort: hostPort });
  }
  return bindings;
}

/**
 * `--security-opt seccomp=FILE` as docker's CLI sends it: the file's JSON,
 * compacted (`unconfined` and other options as they are).
 */
export function readSeccompProfile(option: string): string {
  const at = option.search(/[=:]/);
  if (at < 0 || option.slice(0, at) !== "seccomp") return option;
  const path = option.slice(at + 1);
  if (path === "unconfined") return option;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new UsageError(
      `opening seccomp profile (${path}) failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  try {
    return `seccomp=${JSON.stringify(JSON.parse(text))}`;
  } catch (error) {
    throw new UsageError(
      `decoding seccomp profile (${path}) failed: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
}

/** The HostConfig fields of these flags (those left out are not sent). */
export function hostOptions(flags: Flags): Record<string, unknown> {
  const shm = flags.string("shm-size");
  const shmSize = shm === undefined ? undefined : parseSize(shm);
  if (shm !== undefined && shmSize === undefined) {
    throw new UsageError(`invalid argument "${shm}" for "--shm-size" flag: invalid size`);
  }
  const some = <T>(values: T[]) => values.length ? values : undefined;
  const options: Record<string, unknown> = {
    CapAdd: some(flags.list("cap-add")),
    CapDrop: some(flags.list("cap-drop")),
    Privileged: flags.bool("privileged") || undefined,
    ReadonlyRootfs: flags.bool("read-only") || undefined,
    SecurityOpt: some(flags.list("security-opt").map(readSeccompProfile)),
    Devices: some(flags.list("device").map(parseDevice)),
    DeviceCgroupRules: some(flags.list("device-cgroup-rule")),
    Sysctls: flags.list("sysctl").length ? keyValues(flags.list("sysctl"), "sysctl") : undefined,
    Dns: some(flags.list("dns")),
    DnsSearch: some(flags.list("dns-search")),
    DnsOptions: some(flags.list("dns-option")),
    ExtraHosts: some(flags.list("add-host").map((entry) => entry.replace("=", ":"))),
    ShmSize: shmSize,
    Init: flags.bool("init") || undefined,
    GroupAdd: some(flags.list("group-add")),
    OomScoreAdj: flags.int("oom-score-adj"),
    PidMode: flags.string("pid"),
    IpcMode: flags.string("ipc"),
    UTSMode: flags.string("uts"),
    UsernsMode: flags.string("userns"),
    CgroupnsMode: flags.string("cgroupns"),
    CgroupParent: flags.string("cgroup-parent"),
    Annotations: flags.list("annotation").length
      ? keyValues(flags.list("annotation"), "annotation")
      : undefined,
    Isolation: flags.string("isolation"),
    PortBindings: flags.list("publish").length ? portBindings(flags.list("publish")) : undefined,
    PublishAllPorts: flags.bool("publish-all") || undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
