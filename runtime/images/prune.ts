/**
 * POST /images/prune: delete dangling images (no tag), or with
 * `dangling=false` every image no container uses; their layers go with
 * them when nothing else holds them.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { deleteImage, type RemovedItem } from "./remove.ts";
import { familiarize } from "./reference.ts";

/** What a prune removed and how many bytes of layers that freed. */
export interface PruneReport {
  ImagesDeleted: RemovedItem[] | null;
  SpaceReclaimed: number;
}

/** Bytes of every stored layer. */
async function storedLayerBytes(context: DaemonContext): Promise<number> {
  return (await context.layers.stored()).reduce((total, layer) => total + layer.size, 0);
}

/** Prune by docker's filters (`dangling`; other filters are refused). */
export async function pruneImages(
  context: DaemonContext,
  filters: Map<string, string[]>,
): Promise<PruneReport> {
  for (const key of filters.keys()) {
    if (key !== "dangling") throw new BadRequest(`invalid filter '${key}'`);
  }
  const danglingOnly = !(filters.get("dangling") ?? []).some((value) => /^(false|0)$/i.test(value));
  const removed: RemovedItem[] = [];
  const before = await storedLayerBytes(context);
  // Images others were built on go once those are gone (a dangling build's chain).
  for (let pass = true; pass;) {
    pass = false;
    for (const image of context.images.list()) {
      if (danglingOnly && image.tags.length > 0) continue;
      if (context.containers.usingImage(image.id).length > 0) continue;
      if (context.images.children(image).length > 0) continue;
      for (const tag of [...image.tags]) {
        await context.images.untag(tag);
        removed.push({ Untagged: familiarize(tag) });
      }
      await deleteImage(context, image);
      removed.push({ Deleted: image.id });
      pass = true;
    }
  }
  // Layers no image names any more, whatever left them (an older berth).
  await context.layers.collect();
  return {
    ImagesDeleted: removed.length ? removed : null,
    SpaceReclaimed: before - await storedLayerBytes(context),
  };
}
