/**
 * GET /system/df (`docker system df`): bytes the layer store holds, each
 * image with the part of it other images share, and each container's
 * writable layer, and each volume with the containers that mount it.
 * berth has no build cache: that list is empty.
 * @module
 */

import { listContainers } from "../containers/list.ts";
import { volumeUsers } from "../containers/mounts.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { listImages } from "../images/image_views.ts";

/** Bytes of the files under `dir` (not following symlinks; 0 when it is gone). */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      const info = await Deno.lstat(path);
      total += info.isDirectory ? await treeBytes(path) : info.size;
    }
  } catch {
    // removed while counting
  }
  return total;
}

/** The answer of GET /system/df. */
export async function diskUsage(context: DaemonContext) {
  const layerSizes = new Map<string, number>();
  const users = new Map<string, number>(); // layer → images holding it
  for (const image of context.images.list()) {
    for (const diffId of new Set(image.config.rootfs.diff_ids)) {
      users.set(diffId, (users.get(diffId) ?? 0) + 1);
      if (!layerSizes.has(diffId)) {
        layerSizes.set(diffId, (await context.layers.info(diffId))?.size ?? 0);
      }
    }
  }
  const images = listImages(context.images, context.containers, {
    all: true,
    digests: false,
    filters: new Map(),
  }).map((summary) => {
    const image = context.images.byId(summary.Id)!;
    const shared = [...new Set(image.config.rootfs.diff_ids)]
      .filter((diffId) => (users.get(diffId) ?? 0) > 1)
      .reduce((sum, diffId) => sum + (layerSizes.get(diffId) ?? 0), 0);
    return { ...summary, SharedSize: shared };
  });
  const containers = await Promise.all(
    listContainers(context, { all: true, limit: -1, filters: new Map() }).map(async (summary) => {
      const container = context.containers.get(summary.Id);
      const sizeRw = await treeBytes(container.paths.upper);
      const imageSize = context.images.byId(container.record.imageId)?.size ?? 0;
      return { ...summary, SizeRw: sizeRw, SizeRootFs: sizeRw + imageSize };
    }),
  );
  return {
    // Every byte the store holds, named by an image or not.
    LayersSize: (await context.layers.stored()).reduce((sum, layer) => sum + layer.size, 0),
    Images: images,
    Containers: containers,
    Volumes: await Promise.all(
      context.volumes.list().map(async (volume) => ({
        ...volume,
        UsageData: {
          Size: await treeBytes(volume.Mountpoint),
          RefCount: volumeUsers(context, volume.Name).length,
        },
      })),
    ),
    BuildCache: [],
  };
}
