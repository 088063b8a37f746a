/**
 * ImageFsInfo: the bytes of the layers the images use (each layer once),
 * where crictl and kubelet's image garbage collection look.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { nowNanos } from "./cri_values.ts";

async function imageFsInfo(context: DaemonContext): Promise<CriMessage> {
  const layers = new Map<string, number>();
  for (const image of context.images.list()) {
    for (const diffId of image.config.rootfs.diff_ids) {
      if (!layers.has(diffId)) layers.set(diffId, (await context.layers.info(diffId))?.size ?? 0);
    }
  }
  const used = [...layers.values()].reduce((sum, size) => sum + size, 0);
  const timestamp = nowNanos();
  return {
    image_filesystems: [{
      timestamp,
      fs_id: { mountpoint: `${context.flags.root}/layers` },
      used_bytes: { value: String(used) },
      inodes_used: { value: "0" },
    }],
    container_filesystems: [{
      timestamp,
      fs_id: { mountpoint: `${context.flags.root}/containers` },
      used_bytes: { value: "0" },
      inodes_used: { value: "0" },
    }],
  };
}

/** ImageFsInfo. */
export const imageFsInfoHandlers: CriHandlers = {
  ImageFsInfo: imageFsInfo,
};
