/**
 * Capabilities as docker computes them: its default set, `--cap-add` and
 * `--cap-drop` (names with or without CAP_, any case, or ALL), and every
 * capability for `--privileged`.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { DEFAULT_CAPABILITIES } from "./defaults.ts";

/** Every capability the kernel defines (up to CAP_CHECKPOINT_RESTORE, 5.9). */
export const ALL_CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

const KNOWN = new Set(ALL_CAPABILITIES);

/**
 * A capability name as the spec wants it (`CAP_SYS_ADMIN`), or "ALL";
 * BadRequest for one the kernel does not have.
 */
export function normalizeCapability(name: string, field: "CapAdd" | "CapDrop"): string {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL") return upper;
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!KNOWN.has(full)) throw new BadRequest(`invalid ${field}: unknown capability: "${full}"`);
  return full;
}

/**
 * The container's capabilities, as docker's TweakCapabilities: all
 * (`available`: what the host can grant) when privileged; all but the
 * drops when ALL is added; only the adds when ALL is dropped; else the
 * defaults without the drops, plus the adds.
 */
export function containerCapabilities(
  add: string[],
  drop: string[],
  privileged: boolean,
  available: string[] = ALL_CAPABILITIES,
): string[] {
  if (privileged) return [...available];
  if (add.includes("ALL")) return available.filter((cap) => !drop.includes(cap));
  const base = drop.includes("ALL")
    ? []
    : DEFAULT_CAPABILITIES.filter((cap) => !drop.includes(cap));
  return ALL_CAPABILITIES.filter((cap) => base.includes(cap) || add.includes(cap));
}
