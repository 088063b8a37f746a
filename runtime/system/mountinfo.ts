/**
 * The mounts of the daemon's mount namespace, from /proc/self/mountinfo
 * (read through libc: Deno refuses it without --allow-all). A device
 * comparison would miss bind mounts of the same filesystem (idmapped
 * layers are such mounts), so the kernel's own list is asked.
 * @module
 */

import { readSystemFile } from "./libc.ts";

/** The mount points of the namespace (mountinfo's fifth field, unescaped). */
export function mountPoints(): string[] {
  const text = readSystemFile("/proc/self/mountinfo") ?? "";
  return text.split("\n").filter(Boolean).map((line) =>
    line.split(" ")[4].replace(/\\([0-7]{3})/g, (_, code) => String.fromCharCode(parseInt(code, 8)))
  );
}

/** The path as the kernel names its mounts (symlinks resolved); undefined when missing. */
async function realPath(path: string): Promise<string | undefined> {
  try {
    return await Deno.realPath(path);
  } catch {
    return undefined;
  }
}

/** True when `path` is a mount point; false when it is not or does not exist. */
export async function isMountPoint(path: string): Promise<boolean> {
  const real = await realPath(path);
  return real !== undefined && mountPoints().includes(real);
}

/** The mount points below `path` (not `path` itself), deepest first. */
export async function mountsBelow(path: string): Promise<string[]> {
  const real = await realPath(path);
  if (real === undefined) return [];
  const prefix = real.endsWith("/") ? real : `${real}/`;
  return mountPoints().filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
