/**
 * DELETE /images/{name}: untag, and delete the image (and the layers no
 * other image uses) once nothing names or uses it. In use by a container:
 * refused, or with force only untagged.
 * @module
 */

import { shortId } from "../ids.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { Conflict } from "../errors.ts";
import type { Image } from "./image_store.ts";
import { familiarize } from "./reference.ts";

/** One line of the answer: `{Untagged: name}` or `{Deleted: id}`. */
export type RemovedItem = { Untagged: string } | { Deleted: string };

/** Remove an image by reference or id. */
export async function removeImage(
  context: DaemonContext,
  text: string,
  options: { force: boolean; noPrune?: boolean },
): Promise<RemovedItem[]> {
  const { images } = context;
  const image = images.resolve(text);
  const byTag = images.tagNamed(text);
  const users = context.containers.usingImage(image.id);
  const running = users.find((container) => container.isRunning);
  const removed: RemovedItem[] = [];

  if (byTag && image.tags.length > 1) {
    // Other names remain: only this one goes.
    await images.untag(byTag);
    return [{ Untagged: familiarize(byTag) }];
  }
  if (running) {
    throw new Conflict(
      `conflict: unable to ${
        byTag ? `remove repository reference "${text}"` : `delete ${shortId(image.id)}`
      } ` +
        `(cannot be forced) - image is being used by running container ${shortId(running.id)}`,
    );
  }
  if (!byTag && image.tags.length > 1 && !options.force) {
    throw new Conflict(
      `conflict: unable to delete ${shortId(image.id)} (must be forced) - ` +
        "image is referenced in multiple repositories",
    );
  }
  if (users.length > 0) {
    if (!options.force) {
      throw new Conflict(
        `conflict: unable to ${
          byTag ? `remove repository reference "${text}"` : `delete ${shortId(image.id)}`
        } ` +
          `(must be forced) - image is being used by stopped container ${shortId(users[0].id)}`,
      );
    }
    // Forced: the names go, the image stays for the containers that use it.
    for (const tag of [...image.tags]) {
      await images.untag(tag);
      removed.push({ Untagged: familiarize(tag) });
    }
    return removed;
  }
  const children = images.children(image);
  if (children.length > 0 && !byTag) {
    throw new Conflict(
      `conflict: unable to delete ${shortId(image.id)} (cannot be forced) - ` +
        "image has dependent child images",
    );
  }
  for (const tag of [...image.tags]) {
    await images.untag(tag);
    removed.push({ Untagged: familiarize(tag) });
  }
  // Its last name gone, an image others were built on stays for them (hidden, as docker does).
  if (children.length > 0) return removed;
  await deleteImage(context, image);
  removed.push({ Deleted: image.id });
  if (!options.noPrune) removed.push(...await deleteUnusedParents(context, image));
  return removed;
}

/**
 * Delete the untagged images a deleted one was built on, as far as nothing
 * else names, uses or was built on them (docker's rmi without --no-prune).
 */
export async function deleteUnusedParents(
  context: DaemonContext,
  image: Image,
): Promise<RemovedItem[]> {
  const removed: RemovedItem[] = [];
  let parent = image.parent ? context.images.byId(image.parent) : undefined;
  while (
    parent && parent.tags.length === 0 && context.images.children(parent).length === 0 &&
    context.containers.usingImage(parent.id).length === 0
  ) {
    await deleteImage(context, parent);
    removed.push({ Deleted: parent.id });
    parent = parent.parent ? context.images.byId(parent.parent) : undefined;
  }
  return removed;
}

/** Delete an image record and every layer of it nothing else uses. */
export async function deleteImage(context: DaemonContext, image: Image): Promise<void> {
  await context.images.delete(image);
  await context.layers.collect(image.config.rootfs.diff_ids);
}

/** The diff IDs of every layer an image or a container names: what the layer store keeps. */
export function referencedLayers(context: DaemonContext): Set<string> {
  return new Set([
    ...context.images.list().flatMap((image) => image.config.rootfs.diff_ids),
    ...context.containers.list().flatMap((container) => container.record.layers),
  ]);
}
