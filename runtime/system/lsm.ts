/**
 * The Linux security modules of the host: whether AppArmor and SELinux are
 * there to confine containers (this machine has neither: seccomp,
 * capabilities, namespaces and the masked paths confine them), and on an
 * AppArmor host berth's own profile, `berth-default`, loaded at daemon
 * start and given to every container that names none.
 * @module
 */

import type { HostOptions } from "../containers/host_options.ts";
import { splitSecurityOption } from "../oci/seccomp.ts";
import { hostPathExists, readSystemFile } from "./libc.ts";

/** What the host's kernel enforces. */
export interface HostLsm {
  apparmor: boolean;
  selinux: boolean;
}

/** Read the host's LSMs from /sys (through libc: Deno refuses /sys without --allow-all). */
export function detectLsm(): HostLsm {
  return {
    apparmor: readSystemFile("/sys/module/apparmor/parameters/enabled")?.trim() === "Y" &&
      hostPathExists("/sys/kernel/security/apparmor"),
    selinux: hostPathExists("/sys/fs/selinux/enforce"),
  };
}

/** The name of berth's AppArmor profile. */
export const APPARMOR_PROFILE = "berth-default";

/**
 * berth's AppArmor profile, as docker-default confines: everything a
 * process normally does, but no mounts, no writes below /proc and /sys
 * (beyond a process's own files), no ptrace of processes outside the
 * profile, no raw kernel memory.
 */
export function apparmorProfileText(): string {
  return `#include <tunables/global>

profile ${APPARMOR_PROFILE} flags=(attach_disconnected,mediate_deleted) {
  #include <abstractions/base>

  network,
  capability,
  file,
  umount,
  signal (receive) peer=unconfined,
  signal (send,receive) peer=${APPARMOR_PROFILE},

  deny mount,
  deny @{PROC}/* w,
  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/** w,
  deny @{PROC}/sys/[^k]** w,
  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,
  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/kernel/security/** rwklx,

  ptrace (trace,read,tracedby,readby) peer=${APPARMOR_PROFILE},
}
`;
}

/** Load (or replace) berth's profile with apparmor_parser; the daemon does this at start on AppArmor hosts. */
export async function loadApparmorProfile(): Promise<void> {
  const child = new Deno.Command("apparmor_parser", {
    args: ["-Kr"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(apparmorProfileText()));
  await writer.close();
  const { success, stderr } = await child.output();
  if (!success) {
    throw new Error(`apparmor_parser refused berth's profile: ${new TextDecoder().decode(stderr)}`);
  }
}

/** The AppArmor profiles the kernel has loaded. */
export function loadedApparmorProfiles(): Set<string> {
  const text = readSystemFile("/sys/kernel/security/apparmor/profiles") ?? "";
  return new Set(text.split("\n").map((line) => line.replace(/ \(.*\)$/, "")).filter(Boolean));
}

/** The AppArmor profile a container runs under; undefined for none (no AppArmor, unconfined). */
export function containerApparmorProfile(
  hostConfig: Partial<Pick<HostOptions, "Privileged" | "SecurityOpt">>,
  lsm: HostLsm,
): string | undefined {
  if (!lsm.apparmor || hostConfig.Privileged) return undefined;
  for (const option of hostConfig.SecurityOpt ?? []) {
    const [key, value] = splitSecurityOption(option);
    if (key === "apparmor") return value === "unconfined" ? undefined : value;
  }
  return APPARMOR_PROFILE;
}
