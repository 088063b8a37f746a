/**
 * The daemon's command line: `berth daemon [flags]`. Also used, with no
 * permissions at all, by the launcher to work out the daemon's permission
 * flags (runtime/daemon_permissions.ts).
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_HOST, parseUnixHost } from "../lib/host.ts";
import { parseStreamAddress } from "./cri/streaming/stream_server.ts";
import { broadcastAddress, type Ipv4Cidr, networkAddress, parseIpv4Cidr } from "./networks/ipv4.ts";

/**
 * The most containers one shim process serves: its permission flags name
 * every file of each, and one argument may hold at most 128 KiB.
 */
const MAX_GROUP_SIZE = 16;

/** Log levels, quietest last. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Settings of one daemon. */
export interface DaemonFlags {
  root: string;
  runRoot: string;
  /** Path of the API socket. */
  socketPath: string;
  defaultRuntime: string;
  /** Runtimes named on the command line: name → path. */
  runtimes: Record<string, string>;
  logLevel: LogLevel;
  /** Parent cgroup of every container (cgroupfs path). */
  cgroupParent: string;
  /** Group that may use the API socket (mode 0660); empty = root only. */
  group: string;
  /** Standby shim state dirs kept booted for new containers (0 disables the pool). */
  shimPool: number;
  /** Containers one shim process serves (1: a shim per container). */
  shimGroupSize: number;
  /** Default detach sequence of attach and exec streams ("" disables it). */
  detachKeys: string;
  /** Attachers one container (or exec) serves at once. */
  maxAttachers: number;
  /** Registries (host[:port]) reached over plain http when https fails. */
  insecureRegistries: string[];
  /** Per-registry CA certificates: `<certsDir>/<host[:port]>/ca.crt`, as docker's certs.d. */
  certsDir: string;
  /** Log driver of containers that name none: json-file, k8s-file or none. */
  logDriver: string;
  /**
   * The bridge network's interface and its address (gateway and subnet);
   * undefined with `--bridge none`: containers then default to no network.
   */
  bridge: { name: string; gateway: Ipv4Cidr } | undefined;
  /** The default seccomp profile: `builtin`, `unconfined` or a profile file's absolute path. */
  seccompProfile: string;
  /** `--userns-remap`: "" (none), `default`, or `USER[:GROUP]`. */
  usernsRemap: string;
  /** Path of the CRI socket (beside the API socket unless told); "" turns the CRI off. */
  criSocketPath: string;
  /** Where the CRI's streaming server listens (HOST:PORT; port 0 picks one). */
  criStreamAddress: string;
  /** Where CNI plugins are looked for, in order. */
  cniBinDirs: string[];
  /** Where the pods' network configuration is. */
  cniConfDir: string;
  /** `--registry-mirror [HOST=]URL`: registry host → mirror URLs, tried in order before it. */
  registryMirrors: Record<string, string[]>;
}

/** The CRI socket's name beside the API socket, its default place. */
const CRI_SOCKET_NAME = "cri.sock";

/** Flag parse error, reported as a usage error. */
export class FlagError extends Error {}

const LOG_LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

/** The log drivers containers can use. */
export const LOG_DRIVERS = ["json-file", "k8s-file", "none"];

/** Parse `berth daemon` arguments (without the word "daemon"). */
export function parseDaemonFlags(args: string[]): DaemonFlags {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        root: { type: "string", default: "/var/lib/berth" },
        "run-root": { type: "string", default: "/run/berth" },
        host: { type: "string", short: "H", default: DEFAULT_HOST },
        "default-runtime": { type: "string", default: "runc" },
        runtime: { type: "string", multiple: true, default: [] },
        "log-level": { type: "string", short: "l", default: "info" },
        "cgroup-parent": { type: "string", default: "/berth" },
        group: { type: "string", short: "G", default: "" },
        "shim-pool": { type: "string", default: "2" },
        "shim-group-size": { type: "string", default: "1" },
        "detach-keys": { type: "string", default: "ctrl-p,ctrl-q" },
        "max-attachers": { type: "string", default: "16" },
        "insecure-registry": { type: "string", multiple: true, default: [] },
        "certs-dir": { type: "string", default: "/etc/berth/certs.d" },
        "log-driver": { type: "string", default: "json-file" },
        bridge: { type: "string", short: "b", default: "berth0" },
        bip: { type: "string", default: "10.87.0.1/16" },
        "seccomp-profile": { type: "string", default: "builtin" },
        "userns-remap": { type: "string", default: "" },
        "cri-socket": { type: "string" },
        "cri-stream-address": { type: "string", default: "127.0.0.1:0" },
        "cni-bin-dir": { type: "string", multiple: true, default: [] },
        "cni-conf-dir": { type: "string", default: "/etc/cni/net.d" },
        "registry-mirror": { type: "string", multiple: true, default: [] },
      },
    }).values;
  } catch (error) {
    throw new FlagError(error instanceof Error ? error.message : String(error));
  }
  let socketPath: string;
  try {
    socketPath = parseUnixHost(values.host);
  } catch (error) {
    throw new FlagError(error instanceof Error ? error.message : String(error));
  }
  const runtimes: Record<string, string> = {};
  for (const entry of values.runtime) {
    const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*)=(\/.+)$/.exec(entry);
    if (!match) throw new FlagError(`--runtime takes NAME=/ABSOLUTE/PATH, got "${entry}"`);
    runtimes[match[1]] = match[2];
  }
  const logLevel = values["log-level"] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new FlagError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  for (const [flag, path] of [["--root", values.root], ["--run-root", values["run-root"]]]) {
    if (!path.startsWith("/")) throw new FlagError(`${flag} must be an absolute path`);
  }
  const cgroupParent = "/" + values["cgroup-parent"].replace(/^\/+|\/+$/g, "");
  if (cgroupParent === "/" || cgroupParent.includes("..")) {
    throw new FlagError("--cgroup-parent must name a cgroup below the root");
  }
  const shimPool = Number(values["shim-pool"]);
  if (!Number.isInteger(shimPool) || shimPool < 0 || shimPool > 64) {
    throw new FlagError("--shim-pool must be a whole number from 0 to 64");
  }
  const shimGroupSize = Number(values["shim-group-size"]);
  if (!Number.isInteger(shimGroupSize) || shimGroupSize < 1 || shimGroupSize > MAX_GROUP_SIZE) {
    throw new FlagError(`--shim-group-size must be a whole number from 1 to ${MAX_GROUP_SIZE}`);
  }
  const maxAttachers = Number(values["max-attachers"]);
  if (!Number.isInteger(maxAttachers) || maxAttachers < 1 || maxAttachers > 1024) {
    throw new FlagError("--max-attachers must be a whole number from 1 to 1024");
  }
  if (!LOG_DRIVERS.includes(values["log-driver"])) {
    throw new FlagError(`--log-driver must be one of ${LOG_DRIVERS.join(", ")}`);
  }
  const seccompProfile = values["seccomp-profile"];
  if (!["builtin", "unconfined"].includes(seccompProfile) && !seccompProfile.startsWith("/")) {
    throw new FlagError("--seccomp-profile takes builtin, unconfined or an absolute path");
  }
  // By default beside the API socket: /run/berth/cri.sock for the default one.
  let criSocketPath = "";
  const criSocket = values["cri-socket"] ??
    `${socketPath.slice(0, socketPath.lastIndexOf("/"))}/${CRI_SOCKET_NAME}`;
  if (criSocket) {
    try {
      criSocketPath = parseUnixHost(criSocket);
    } catch (error) {
      throw new FlagError(`--cri-socket: ${error instanceof Error ? error.message : error}`);
    }
  }
  try {
    parseStreamAddress(values["cri-stream-address"]);
  } catch (error) {
    throw new FlagError(`--cri-stream-address: ${error instanceof Error ? error.message : error}`);
  }
  const cniBinDirs = values["cni-bin-dir"].length
    ? values["cni-bin-dir"].flatMap((dirs) => dirs.split(":")).filter(Boolean).map(trimSlash)
    : ["/opt/cni/bin", "/usr/lib/cni"];
  for (const dir of [...cniBinDirs, values["cni-conf-dir"]]) {
    if (!dir.startsWith("/")) throw new FlagError(`CNI directories must be absolute paths: ${dir}`);
  }
  return {
    criSocketPath,
    criStreamAddress: values["cri-stream-address"],
    cniBinDirs,
    cniConfDir: trimSlash(values["cni-conf-dir"]),
    registryMirrors: parseMirrors(values["registry-mirror"]),
    root: trimSlash(values.root),
    runRoot: trimSlash(values["run-root"]),
    socketPath,
    defaultRuntime: values["default-runtime"],
    runtimes,
    logLevel,
    cgroupParent,
    group: values.group,
    shimPool,
    shimGroupSize,
    detachKeys: values["detach-keys"],
    maxAttachers,
    insecureRegistries: values["insecure-registry"],
    certsDir: trimSlash(values["certs-dir"]),
    logDriver: values["log-driver"],
    bridge: parseBridge(values.bridge, values.bip),
    seccompProfile,
    usernsRemap: values["userns-remap"],
  };
}

/** `--bridge NAME|none` and `--bip ADDRESS/PREFIX`. */
function parseBridge(name: string, bip: string): DaemonFlags["bridge"] {
  if (name === "none") return undefined;
  // An interface name: at most 15 characters.
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(name)) {
    throw new FlagError(`--bridge must be "none" or an interface name of at most 15 characters`);
  }
  const gateway = parseIpv4Cidr(bip);
  if (
    !gateway || gateway.prefixLength < 8 || gateway.prefixLength > 30 ||
    gateway.address === networkAddress(gateway) || gateway.address === broadcastAddress(gateway)
  ) {
    throw new FlagError(
      `--bip must be the bridge's IPv4 address and prefix length (8 to 30), like 10.87.0.1/16`,
    );
  }
  return { name, gateway };
}

/**
 * `--registry-mirror [HOST=]URL`, repeatable: without HOST the mirror is
 * Docker Hub's (as docker's flag), the URL http(s) with no path.
 */
function parseMirrors(entries: string[]): Record<string, string[]> {
  const mirrors: Record<string, string[]> = {};
  for (const entry of entries) {
    const match = /^(?:([A-Za-z0-9.-]+(?::\d+)?)=)?(https?:\/\/[^/\s]+)\/?$/.exec(entry);
    if (!match) {
      throw new FlagError(
        `--registry-mirror takes [HOST=]URL, like registry.k8s.io=http://127.0.0.1:5000, got "${entry}"`,
      );
    }
    const host = match[1] ?? "docker.io";
    (mirrors[host] ??= []).push(match[2]);
  }
  return mirrors;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
