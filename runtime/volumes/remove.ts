/**
 * DELETE /volumes/{name} and POST /volumes/prune: a volume goes only when
 * no container (running or not) mounts it.
 * @module
 */

import type { Filters } from "../filters.ts";
import { volumeUsers } from "../containers/mounts.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { Conflict } from "../errors.ts";
import { treeBytes } from "../system/disk_usage.ts";
import { listVolumes } from "./list.ts";
import { isAnonymous } from "./volume_store.ts";

/**
 * Remove the volume `name`; with `force` a missing one is no error.
 * Returns whether a volume was removed.
 */
export async function removeVolume(
  context: DaemonContext,
  name: string,
  options: { force: boolean },
): Promise<boolean> {
  const volume = context.volumes.find(name);
  if (!volume) {
    if (!options.force) context.volumes.get(name); // throws docker's NotFound
    return false;
  }
  const users = volumeUsers(context, name);
  if (users.length > 0) {
    throw new Conflict(`remove ${name}: volume is in use - [${users.join(", ")}]`);
  }
  await context.volumes.delete(name);
  return true;
}

/** What a prune removed and the bytes that freed. */
export interface VolumePruneReport {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

/**
 * Remove the volumes no container mounts: anonymous ones, or every one
 * with the filter `all=true` (docker's behaviour since API 1.42).
 */
export async function pruneVolumes(
  context: DaemonContext,
  filters: Filters,
): Promise<VolumePruneReport> {
  const all = (filters.get("all") ?? []).some((value) => value === "true" || value === "1");
  const selected = listVolumes(context, filters, ["all", "dangling"]);
  const report: VolumePruneReport = { VolumesDeleted: [], SpaceReclaimed: 0 };
  for (const volume of selected) {
    if (!all && !isAnonymous(volume)) continue;
    if (volumeUsers(context, volume.Name).length > 0) continue;
    const bytes = await treeBytes(volume.Mountpoint);
    await context.volumes.delete(volume.Name);
    report.VolumesDeleted.push(volume.Name);
    report.SpaceReclaimed += bytes;
  }
  return report;
}
