/**
 * GET /containers/{id}/changes (`docker diff`): what the container changed
 * in its filesystem, read from its overlay upper dir (no mount needed):
 * a whiteout is a deletion, an entry the image's layers also have is a
 * change, anything else an addition.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Container } from "./container.ts";

/**
 * Mount points the runtime creates in the upper dir (docker keeps them in
 * its init layer): not the container's changes while they are empty.
 */
export const INIT_PATHS = new Set([
  "/etc/hostname",
  "/etc/hosts",
  "/etc/resolv.conf",
  "/dev",
  "/dev/pts",
  "/dev/shm",
  "/dev/mqueue",
  "/dev/console",
  "/proc",
  "/sys",
]);

/** True for a mount point the runtime made (`path` from the rootfs, "/etc/hosts"). */
export function isRuntimeMountPoint(path: string, info: Deno.FileInfo): boolean {
  return INIT_PATHS.has(path) && (info.isDirectory || info.size === 0);
}

/** docker's kinds: 0 changed, 1 added, 2 deleted. */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  return await Deno.lstat(path).catch(() => undefined);
}

function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

/** True when the image's layers (top first) show `relative`. */
async function inLowerLayers(lowers: string[], relative: string): Promise<boolean> {
  for (const lower of lowers) {
    const info = await lstat(`${lower}${relative}`);
    if (info) return !isWhiteout(info);
  }
  return false;
}

/** The container's changes, sorted by path. */
export async function containerChanges(
  context: DaemonContext,
  container: Container,
): Promise<Change[]> {
  const lowers = [...container.record.layers].reverse().map((diffId) =>
    context.layers.diffPath(diffId)
  );
  const changes: Change[] = [];
  const walk = async (relative: string, added: boolean): Promise<void> => {
    const entries = [];
    for await (const entry of Deno.readDir(`${container.paths.upper}${relative}`)) {
      entries.push(entry.name);
    }
    for (const name of entries.sort()) {
      const path = `${relative}/${name}`;
      const info = (await lstat(`${container.paths.upper}${path}`))!;
      if (isWhiteout(info)) {
        changes.push({ Path: path, Kind: 2 });
        continue;
      }
      const existed = !added && await inLowerLayers(lowers, path);
      if (!isRuntimeMountPoint(path, info)) changes.push({ Path: path, Kind: existed ? 0 : 1 });
      if (info.isDirectory) await walk(path, !existed);
    }
  };
  await walk("", false);
  // A directory "changed" only because a mount point was made in it.
  const holdsMountPoint = (dir: string) =>
    [...INIT_PATHS].some((path) => path.startsWith(`${dir}/`));
  return changes.filter((change) =>
    change.Kind !== 0 || !holdsMountPoint(change.Path) ||
    changes.some((other) => other.Path.startsWith(`${change.Path}/`))
  );
}
