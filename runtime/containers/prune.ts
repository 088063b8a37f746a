/**
 * POST /containers/prune: remove the stopped containers (created, exited,
 * dead) that docker's filters select: `until` (created before a time or a
 * duration ago) and `label` / `label!`.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import { treeBytes } from "../system/disk_usage.ts";
import type { Container } from "./container.ts";
import { type Filters, matchesLabel } from "../filters.ts";
import { removeContainer } from "./remove.ts";

/** What a container prune removed and the bytes of their writable layers. */
export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

const PRUNE_FILTERS = new Set(["until", "label", "label!"]);
const STOPPED = new Set(["created", "exited", "dead"]);

function selected(container: Container, filters: Filters, until: number | undefined): boolean {
  if (until !== undefined && Date.parse(container.record.created) >= until) return false;
  const labels = container.record.config.Labels ?? {};
  return (filters.get("label") ?? []).every((filter) => matchesLabel(labels, filter)) &&
    !(filters.get("label!") ?? []).some((filter) => matchesLabel(labels, filter));
}

/**
 * Remove every stopped container the filters select (`until`, epoch ms,
 * is the `until` filter's time, read by the API).
 */
export async function pruneContainers(
  context: DaemonContext,
  filters: Filters,
  until: number | undefined,
): Promise<ContainerPruneReport> {
  for (const key of filters.keys()) {
    if (!PRUNE_FILTERS.has(key)) throw new BadRequest(`invalid filter '${key}'`);
  }
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const container of context.containers.list()) {
    // The CRI's containers are kubelet's to remove.
    if (!STOPPED.has(container.state.Status) || container.removing || container.record.cri) {
      continue;
    }
    if (!selected(container, filters, until)) continue;
    const size = await treeBytes(container.paths.upper).catch(() => 0);
    try {
      await removeContainer(context, container, { force: false, volumes: false });
    } catch (error) {
      // Started (or removed) meanwhile: not ours to prune.
      log.warn("prune skipped a container", { id: container.id, error: errorMessage(error) });
      continue;
    }
    deleted.push(container.id);
    reclaimed += size;
  }
  return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}
