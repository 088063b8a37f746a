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
    "--allow-env=PATH,BERTH_SHIM_ENTRY,NODE_DEBUG,NODE_ENV",
    "--allow-sys=hostname,osRelease,systemMemoryInfo",
  ];
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
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
    console.log(daemonPermissions(denoPath, shimEntry, args, path).join("\n"));
  } catch (error) {
    console.error(`berth daemon: ${error instanceof Error ? error.message : error}`);
    Deno.exit(2);
  }
}
