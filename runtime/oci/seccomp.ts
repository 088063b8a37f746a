/**
 * Which seccomp filter a container gets: none with `--privileged` or
 * `--security-opt seccomp=unconfined`, the profile it was created with
 * (`seccomp=<JSON>`, which the CLI reads from a file), else the daemon's
 * default (`--seccomp-profile`: the builtin one unless told otherwise).
 * Exec processes get their container's filter from the runtime.
 * @module
 */

import type { HostOptions } from "../containers/host_options.ts";
import { BUILTIN_PROFILE } from "./seccomp_builtin.ts";
import {
  type DockerSeccompProfile,
  type OciSeccomp,
  parseSeccompProfile,
  resolveSeccomp,
} from "./seccomp_profile.ts";

/** The daemon's default filter: the builtin profile, one of its own, or none. */
export type SeccompDefault =
  | { kind: "builtin" }
  | { kind: "custom"; profile: DockerSeccompProfile; path: string }
  | { kind: "unconfined" };

/** `--seccomp-profile`: builtin, unconfined or a profile file's content. */
export function seccompDefault(value: string | undefined, read: (path: string) => string) {
  if (!value || value === "builtin") return { kind: "builtin" } as const;
  if (value === "unconfined") return { kind: "unconfined" } as const;
  return { kind: "custom", profile: parseSeccompProfile(read(value)), path: value } as const;
}

/** A `--security-opt` split at its first `=` or `:` (docker takes both). */
export function splitSecurityOption(option: string): [key: string, value: string | undefined] {
  const at = option.search(/[=:]/);
  return at < 0 ? [option, undefined] : [option.slice(0, at), option.slice(at + 1)];
}

/** What `seccomp=` of a container's security options says, if anything. */
export function seccompOption(options: string[] | null | undefined): string | undefined {
  for (const option of options ?? []) {
    const [key, value] = splitSecurityOption(option);
    if (key === "seccomp") return value;
  }
  return undefined;
}

/** The profile name `info` gives the daemon's default (docker's words). */
export function seccompProfileName(choice: SeccompDefault): string {
  return choice.kind === "builtin"
    ? "builtin"
    : choice.kind === "unconfined"
    ? "unconfined"
    : "custom";
}

/** Resolutions of the builtin profile, by capability set: one per set, not one per start. */
const builtinForCapabilities = new Map<string, OciSeccomp>();

/** The host kernel's release (minKernel conditions). */
function kernelRelease(): string {
  try {
    return Deno.osRelease();
  } catch {
    return "0.0";
  }
}

/** The OCI seccomp of a container with `capabilities`; undefined for none. */
export function containerSeccomp(
  hostConfig: Partial<Pick<HostOptions, "Privileged" | "SecurityOpt">>,
  capabilities: string[],
  daemonDefault: SeccompDefault,
): OciSeccomp | undefined {
  if (hostConfig.Privileged) return undefined;
  const own = seccompOption(hostConfig.SecurityOpt);
  if (own === "unconfined") return undefined;
  const target = { capabilities, kernel: kernelRelease() };
  if (own !== undefined) return resolveSeccomp(parseSeccompProfile(own), target);
  if (daemonDefault.kind === "unconfined") return undefined;
  if (daemonDefault.kind === "custom") return resolveSeccomp(daemonDefault.profile, target);
  const key = [...capabilities].sort().join(",");
  let resolved = builtinForCapabilities.get(key);
  if (!resolved) {
    resolved = resolveSeccomp(BUILTIN_PROFILE, target);
    builtinForCapabilities.set(key, resolved);
  }
  return resolved;
}
