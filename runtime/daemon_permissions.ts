/**
 * Prints the Deno permission flags `berth daemon` needs for its command
 * line, one per line. The launcher (bin/berth) runs this with no
 * permissions but PATH, then starts the daemon with exactly these.
 *
 *   deno run --allow-env=PATH runtime/daemon_permissions.ts SHIM_ENTRY [daemon flags]
 * @module
 */

import { parseDaemonFlags } from "./daemon_flags.ts";
import { bindDirectory } from "./api/socket_file.ts";
import { FALLBACK_PATH, KNOWN_RUNTIMES } from "./runtimes.ts";
import { LIBC_CANDIDATES } from "./system/libc.ts";

/** The permission flags for a daemon started with `args`. */
export function daemonPermissions(
  denoPath: string,
  shimEntry: string,
  args: string[],
  searchPath: string,
  pausePath = "",
): string[] {
  const flags = parseDaemonFlags(args);
  const socketDir = flags.socketPath.slice(0, flags.socketPath.lastIndexOf("/")) || "/";
  const pathDirs = searchPath.split(":").filter((dir) => dir.startsWith("/"));
  const runtimeCandidates = pathDirs.flatMap((dir) =>
    KNOWN_RUNTIMES.map((name) => `${dir}/${name}`)
  );
  const customRuntimes = Object.values(flags.runtimes);
  const read = [
    flags.root,
    flags.runRoot,
    socketDir,
    "/proc",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/os-release",
    "/etc/group",
    flags.certsDir,
    shimEntry,
    denoPath,
    ...runtimeCandidates,
    ...customRuntimes,
    ...(flags.seccompProfile.startsWith("/") ? [flags.seccompProfile] : []),
  ];
  // The API socket is bound in a private directory beside it, then moved.
  const write = [flags.root, flags.runRoot, flags.socketPath, bindDirectory(flags.socketPath)];

  const run = [denoPath, "nice", "ps", ...KNOWN_RUNTIMES, ...customRuntimes];
  if (flags.criSocketPath) {
    // The CRI: its socket, the pods' holder, network config and plugins
    // (Deno grants programs by path: the plugins network add-ons ship).
    write.push(flags.criSocketPath, bindDirectory(flags.criSocketPath));
    read.push(flags.cniConfDir, ...flags.cniBinDirs, ...(pausePath ? [pausePath] : []));
    run.push(...flags.cniBinDirs.flatMap((dir) => CNI_PLUGINS.map((name) => `${dir}/${name}`)));
  }
  if (flags.usernsRemap) {
    // The ranges, berth's default user made when missing, a user namespace of them.
    read.push("/etc/passwd", "/etc/subuid", "/etc/subgid");
    run.push("unshare", "useradd");
    if (flags.usernsRemap === "default") write.push("/etc/subuid", "/etc/subgid");
  }
  // Bridge networks (the default one, user-defined ones): iproute2,
  // iptables and sysctl.
  run.push("ip", "iptables", "iptables-restore", "ip6tables", "ip6tables-restore", "sysctl");
  // Build contexts and ADD archives compressed with bzip2 or xz.
  run.push("bzip2", "xz");
  return [
    `--allow-read=${unique(read).join(",")}`,
    `--allow-write=${unique(write).join(",")}`,
    `--allow-run=${unique(run).join(",")}`,
    `--allow-ffi=${LIBC_CANDIDATES.join(",")}`,
    // Shim sockets are named at run time, and Deno 2.9 matches unix socket
    // grants by exact path; registry pulls will need hosts too.
    "--allow-net",
    `--allow-env=${
      ["PATH", "BERTH_SHIM_ENTRY", "BERTH_PAUSE", "NODE_DEBUG", "NODE_ENV", ...GRPC_ENV].join(",")
    }`,
    "--allow-sys=hostname,osRelease,systemMemoryInfo",
  ];
}

/** CNI plugins a daemon may run: the reference plugins and the common network add-ons'. */
const CNI_PLUGINS = [
  "bridge",
  "host-local",
  "portmap",
  "loopback",
  "ptp",
  "firewall",
  "tuning",
  "bandwidth",
  "macvlan",
  "ipvlan",
  "vlan",
  "host-device",
  "static",
  "dhcp",
  "sbr",
  "vrf",
  "dummy",
  "tap",
  "flannel",
  "calico",
  "calico-ipam",
  "cilium-cni",
  "weave-net",
  "weave-ipam",
  "multus",
  "kube-ovn",
  "antrea",
  "aws-cni",
  "azure-vnet",
  "egress-router",
];

/** What grpc-js reads from the environment when it loads (the CRI server). */
const GRPC_ENV = [
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
  "GRPC_EXPERIMENTAL_ENABLE_OUTLIER_DETECTION",
  "GRPC_NODE_TRACE",
  "GRPC_NODE_USE_ALTERNATIVE_RESOLVER",
  "GRPC_NODE_VERBOSITY",
  "GRPC_SSL_CIPHER_SUITES",
  "GRPC_TRACE",
  "GRPC_VERBOSITY",
  "grpc_proxy",
  "http_proxy",
  "https_proxy",
  "no_grpc_proxy",
  "no_proxy",
];

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function envOrEmpty(name: string): string {
  try {
    return Deno.env.get(name) ?? "";
  } catch {
    return "";
  }
}

if (import.meta.main) {
  const denoPath = Deno.execPath();
  const [shimEntry, ...args] = Deno.args;
  let path = FALLBACK_PATH;
  try {
    path = Deno.env.get("PATH") ?? FALLBACK_PATH;
  } catch {
    // PATH not granted: the fallback directories
  }
  try {
    console.log(
      daemonPermissions(denoPath, shimEntry, args, path, envOrEmpty("BERTH_PAUSE")).join("\n"),
    );
  } catch (error) {
    console.error(`berth daemon: ${error instanceof Error ? error.message : error}`);
    Deno.exit(2);
  }
}
