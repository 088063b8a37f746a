/**
 * GET /images/{name}/history: the image's history entries, newest first,
 * each with the size of the layer it made (0 for entries that made none,
 * like ENV). An entry carries the id and tags of the image it made when
 * that image is still stored (the parents a build or commit made it on);
 * docker shows `<missing>` for the others.
 * @module
 */

import type { ImageHistory } from "./image_config.ts";
import type { Image, ImageStore } from "./image_store.ts";
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
export async function imageHistory(
  image: Image,
  images: ImageStore,
  layers: LayerStore,
): Promise<HistoryItem[]> {
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
  // Each image of the parent chain made the entry its history ends with.
  for (let made: Image | undefined = image; made;) {
    const item = items[(made.config.history?.length ?? 0) - 1] ??
      (made === image ? items.at(-1) : undefined);
    if (item && item.Id === "<missing>") {
      item.Id = made.id;
      item.Tags = made.tags.length ? made.tags.map(familiarize) : null;
    }
    made = made.parent ? images.byId(made.parent) : undefined;
  }
  return items.reverse();
}
