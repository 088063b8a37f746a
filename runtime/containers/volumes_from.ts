/**
 * `--volumes-from CONTAINER[:ro|:rw]` (HostConfig.VolumesFrom): a new
 * container gets the volume and bind mounts of others at the same paths,
 * read-only or read-write as they have them unless the suffix says
 * otherwise (tmpfs mounts are not shared, as in docker). The container's
 * own mounts win at the same path, and an image `VOLUME` that one of them
 * covers gets no anonymous volume.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import type { MountPoint } from "./mount_points.ts";

/** The mount points `volumesFrom` (HostConfig.VolumesFrom) names, later ones winning a path. */
export function inheritedMounts(context: DaemonContext, volumesFrom: unknown): MountPoint[] {
  if (volumesFrom === undefined || volumesFrom === null) return [];
  if (!Array.isArray(volumesFrom) || !volumesFrom.every((item) => typeof item === "string")) {
    throw new BadRequest("HostConfig.VolumesFrom must be a list of strings");
  }
  const byDestination = new Map<string, MountPoint>();
  for (const entry of volumesFrom as string[]) {
    const colon = entry.lastIndexOf(":");
    const reference = colon >= 0 ? entry.slice(0, colon) : entry;
    const mode = colon >= 0 ? entry.slice(colon + 1) : "";
    if (mode !== "" && mode !== "ro" && mode !== "rw") {
      throw new BadRequest(`invalid mode: ${mode}`);
    }
    if (!reference) throw new BadRequest(`invalid volumes-from: '${entry}'`);
    const source = context.containers.get(reference);
    for (const point of source.record.mounts ?? []) {
      if (point.Type === "tmpfs") continue;
      const rw = mode === "" ? point.RW : mode === "rw";
      byDestination.set(point.Destination, {
        ...point,
        RW: rw,
        Mode: mode || point.Mode,
      });
    }
  }
  return [...byDestination.values()];
}
