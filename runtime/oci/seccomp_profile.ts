/**
 * Seccomp profiles in docker's format (what `--security-opt seccomp=FILE`
 * and `--seccomp-profile` take, and the builtin one): checked as they come
 * in, and resolved for one container (its capabilities, the host's
 * architecture and kernel) into the OCI spec's `linux.seccomp`, which the
 * runtime compiles into the kernel's filter.
 * @module
 */

import { BadRequest } from "../errors.ts";

/** An argument condition of a rule. */
export interface DockerSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** When a rule applies: capabilities the container has, architectures, a kernel. */
export interface DockerSeccompCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** One rule of a docker profile. */
export interface DockerSeccompRule {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: DockerSeccompArg[] | null;
  includes?: DockerSeccompCondition;
  excludes?: DockerSeccompCondition;
  comment?: string;
}

/** A docker seccomp profile. */
export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: DockerSeccompRule[];
  flags?: string[];
}

/** `linux.seccomp` of an OCI spec. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  flags?: string[];
  syscalls: {
    names: string[];
    action: string;
    errnoRet?: number;
    args?: { index: number; value: number; valueTwo: number; op: string }[];
  }[];
}

/** The largest profile taken (docker's default is ~20 KiB). */
export const MAX_PROFILE_BYTES = 1024 * 1024;

const ACTIONS = new Set([
  "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",
]);

const OPERATORS = new Set([
  "SCMP_CMP_NE",
  "SCMP_CMP_LT",
  "SCMP_CMP_LE",
  "SCMP_CMP_EQ",
  "SCMP_CMP_GE",
  "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
]);

const ARCHITECTURES = new Set([
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X86_64",
  "SCMP_ARCH_X32",
  "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64",
  "SCMP_ARCH_RISCV64",
  "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH",
  "SCMP_ARCH_SHEB",
]);

const FLAGS = new Set([
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
]);

/** The host's architecture as docker's profiles name it (Go's GOARCH) and as libseccomp does. */
export const HOST_ARCH = Deno.build.arch === "aarch64"
  ? { go: "arm64", scmp: "SCMP_ARCH_AARCH64" }
  : { go: "amd64", scmp: "SCMP_ARCH_X86_64" };

function refuse(reason: string): never {
  throw new BadRequest(`invalid seccomp profile: ${reason}`);
}

function checkAction(action: unknown, where: string): void {
  if (typeof action !== "string" || !ACTIONS.has(action)) {
    refuse(`unknown action ${JSON.stringify(action)} ${where}`);
  }
}

function checkArchitecture(name: unknown): void {
  if (typeof name !== "string" || !ARCHITECTURES.has(name)) {
    refuse(`unknown architecture ${JSON.stringify(name)}`);
  }
}

/**
 * A docker-format profile from its JSON text (400 when it is not one: bad
 * JSON, an unknown action, operator, architecture or flag, or larger than
 * {@link MAX_PROFILE_BYTES}). Syscall names the kernel lacks are kept, as
 * docker keeps them: the runtime skips them.
 */
export function parseSeccompProfile(text: string): DockerSeccompProfile {
  const size = new TextEncoder().encode(text).length;
  if (size > MAX_PROFILE_BYTES) {
    refuse(`it is ${size} bytes, and berth takes profiles of at most ${MAX_PROFILE_BYTES}`);
  }
  let profile: DockerSeccompProfile;
  try {
    profile = JSON.parse(text);
  } catch (error) {
    throw new BadRequest(
      `Decoding seccomp profile failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  if (typeof profile !== "object" || profile === null || Array.isArray(profile)) {
    refuse("it is not a JSON object");
  }
  checkAction(profile.defaultAction, "as the default");
  for (const name of profile.architectures ?? []) checkArchitecture(name);
  for (const entry of profile.archMap ?? []) {
    checkArchitecture(entry?.architecture);
    for (const name of entry.subArchitectures ?? []) checkArchitecture(name);
  }
  for (const flag of profile.flags ?? []) {
    if (!FLAGS.has(flag)) refuse(`unknown flag ${JSON.stringify(flag)}`);
  }
  if (profile.syscalls !== undefined && !Array.isArray(profile.syscalls)) {
    refuse("syscalls is not a list");
  }
  for (const [index, rule] of (profile.syscalls ?? []).entries()) {
    const names = rule?.names ?? (rule?.name ? [rule.name] : []);
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string")) {
      refuse(`rule ${index} names no system call`);
    }
    checkAction(rule.action, `in rule ${index} (${names.join(", ")})`);
    for (const arg of rule.args ?? []) {
      if (!OPERATORS.has(arg?.op) || !Number.isInteger(arg.index) || arg.index < 0) {
        refuse(`rule ${index} (${names.join(", ")}) has an invalid argument condition`);
      }
    }
  }
  return profile;
}

/** True when kernel release `release` is `minimum` or newer (major.minor). */
export function kernelAtLeast(release: string, minimum: string): boolean {
  const [major, minor] = release.split(/[.-]/).map(Number);
  const [wantMajor, wantMinor = 0] = minimum.split(".").map(Number);
  return major > wantMajor || (major === wantMajor && (minor ?? 0) >= wantMinor);
}

/** What a profile is resolved for. */
export interface SeccompTarget {
  /** The container's capabilities (`CAP_…`). */
  capabilities: string[];
  /** The host's architecture, as docker's profiles name it (`amd64`). */
  arch?: string;
  /** The host kernel's release. */
  kernel: string;
}

function applies(rule: DockerSeccompRule, target: SeccompTarget): boolean {
  const arch = target.arch ?? HOST_ARCH.go;
  const caps = new Set(target.capabilities);
  const { includes = {}, excludes = {} } = rule;
  if (includes.arches?.length && !includes.arches.includes(arch)) return false;
  if (includes.caps?.length && !includes.caps.every((cap) => caps.has(cap))) return false;
  if (includes.minKernel && !kernelAtLeast(target.kernel, includes.minKernel)) return false;
  if (excludes.arches?.includes(arch)) return false;
  if (excludes.caps?.some((cap) => caps.has(cap))) return false;
  if (excludes.minKernel && kernelAtLeast(target.kernel, excludes.minKernel)) return false;
  return true;
}

/** The architectures a profile names for the host: its list, or the host's entry of its map. */
function architecturesOf(profile: DockerSeccompProfile, target: SeccompTarget): string[] {
  if (profile.architectures?.length) return profile.architectures;
  const host = target.arch === undefined || target.arch === HOST_ARCH.go
    ? HOST_ARCH.scmp
    : `SCMP_ARCH_${target.arch === "arm64" ? "AARCH64" : target.arch.toUpperCase()}`;
  const entry = profile.archMap?.find((item) => item.architecture === host);
  return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
}

/** The OCI `linux.seccomp` of `profile` for one container. */
export function resolveSeccomp(profile: DockerSeccompProfile, target: SeccompTarget): OciSeccomp {
  const syscalls = (profile.syscalls ?? []).filter((rule) => applies(rule, target)).map(
    (rule) => ({
      names: rule.names ?? [rule.name!],
      action: rule.action,
      ...(rule.errnoRet !== undefined ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args?.length
        ? {
          args: rule.args.map((arg) => ({
            index: arg.index,
            value: arg.value,
            valueTwo: arg.valueTwo ?? 0,
            op: arg.op,
          })),
        }
        : {}),
    }),
  );
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures: architecturesOf(profile, target),
    ...(profile.flags?.length ? { flags: profile.flags } : {}),
    syscalls,
  };
}
