/**
 * POST /build/prune (`builder prune`): the classic builder's cache is its
 * step images. Pruned: the untagged images of builds nothing tagged or
 * running was made from (a rebuilt image's old steps, failed builds'
 * steps); with `all`, the steps under tagged images too (those then keep
 * no parent link). Images a container uses stay.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { untilFilter } from "../api/http.ts";
import type { Image } from "../images/image_store.ts";
import { deleteImage } from "../images/remove.ts";

/** docker's answer. */
export interface BuildPruneReport {
  CachesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** Delete build cache images; returns their ids and the layer bytes freed. */
export async function pruneBuildCache(
  context: DaemonContext,
  options: { all: boolean; filters: Map<string, string[]> },
): Promise<BuildPruneReport> {
  for (const key of options.filters.keys()) {
    if (key !== "until") throw new BadRequest(`invalid filter '${key}'`);
  }
  const until = untilFilter(options.filters);
  const { images, containers } = context;
  /** Whether an image must stay for what was made from it. */
  const needed = (image: Image): boolean =>
    image.tags.length > 0 || containers.usingImage(image.id).length > 0 ||
    (!options.all && images.children(image).some(needed));
  const stepImage = (image: Image) =>
    image.parent !== undefined || images.children(image).length > 0;
  const doomed = images.list().filter((image) =>
    image.tags.length === 0 && stepImage(image) && !needed(image) &&
    (until === undefined || Date.parse(image.config.created ?? image.stored) < until)
  );
  const bytes = async () =>
    (await context.layers.stored()).reduce((total, layer) => total + layer.size, 0);
  const before = await bytes();
  const ids = new Set(doomed.map((image) => image.id));
  for (const image of doomed) {
    for (const child of images.children(image)) {
      if (!ids.has(child.id)) await images.clearParent(child);
    }
    await deleteImage(context, image);
  }
  await context.layers.collect();
  return {
    CachesDeleted: doomed.length ? doomed.map((image) => image.id) : null,
    SpaceReclaimed: before - await bytes(),
  };
}
