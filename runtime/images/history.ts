/**
 * GET /images/{name}/history: the image's history entries, newest first,
 * each with the size of the layer it made (0 for entries that made none,
 * like ENV). Only the newest entry carries the image's id and tags, as
 * docker shows `<missing>` for the parents it does not have as images.
 * @module
 */

import type { ImageHistory } from "./image_config.ts";
import type { Image } from "./image_store.ts";
import type { LayerStore } from "./layer_store.ts";
import { familiarize } from "./reference.ts";

/** One row of docker's history answer. */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** The history of `image`, newest first. */
export async function imageHistory(image: Image, layers: LayerStore): Promise<HistoryItem[]> {
  const diffIds = [...image.config.rootfs.diff_ids];
  const entries: ImageHistory[] = image.config.history?.length
    ? image.config.history
    : diffIds.map(() => ({ created: image.config.created }));
  const items: HistoryItem[] = [];
  for (const entry of entries) {
    const diffId = entry.empty_layer ? undefined : diffIds.shift();
    const size = diffId ? (await layers.info(diffId))?.size ?? 0 : 0;
    items.push({
      Id: "<missing>",
      Created: entry.created ? Math.floor(Date.parse(entry.created) / 1000) : 0,
      CreatedBy: entry.created_by ?? "",
      Tags: null,
      Size: size,
      Comment: entry.comment ?? "",
    });
  }
  items.reverse();
  if (items.length) {
    items[0].Id = image.id;
    items[0].Tags = image.tags.length ? image.tags.map(familiarize) : null;
  }
  return items;
}
