/**
 * `berth system df`: what images, containers, volumes and build cache take
 * on disk, and how much of it nothing uses.
 * @module
 */

import { humanSize } from "../../lib/units.ts";
import type { Command } from "../command.ts";
import { out, table } from "../output.ts";

interface DiskUsage {
  LayersSize: number;
  Images: { Size: number; SharedSize: number; Containers: number }[];
  Containers: { SizeRw: number; State: string }[];
  Volumes: { UsageData: { Size: number; RefCount: number } }[];
  BuildCache: unknown[];
}

/** "1.2MB (40%)" */
function reclaimable(bytes: number, total: number): string {
  if (total === 0) return humanSize(bytes);
  return `${humanSize(bytes)} (${Math.round((bytes / total) * 100)}%)`;
}

export const command: Command = {
  usage: "system df",
  description: "Show berth disk usage",
  flags: [],
  maxArgs: 0,
  async run({ client }) {
    const usage = await client.json<DiskUsage>("GET", "/system/df");
    const unusedImages = usage.Images.filter((image) => image.Containers === 0);
    const imageReclaimable = unusedImages.reduce(
      (sum, image) => sum + image.Size - Math.max(image.SharedSize, 0),
      0,
    );
    const containersSize = usage.Containers.reduce((sum, container) => sum + container.SizeRw, 0);
    const stoppedSize = usage.Containers.filter((container) => container.State !== "running")
      .reduce((sum, container) => sum + container.SizeRw, 0);
    const volumesSize = usage.Volumes.reduce((sum, volume) => sum + volume.UsageData.Size, 0);
    const activeVolumes = usage.Volumes.filter((volume) => volume.UsageData.RefCount > 0);
    const activeSize = activeVolumes.reduce((sum, volume) => sum + volume.UsageData.Size, 0);
    out(table([
      ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
      [
        "Images",
        String(usage.Images.length),
        String(usage.Images.length - unusedImages.length),
        humanSize(usage.LayersSize),
        reclaimable(imageReclaimable, usage.LayersSize),
      ],
      [
        "Containers",
        String(usage.Containers.length),
        String(usage.Containers.filter((container) => container.State === "running").length),
        humanSize(containersSize),
        reclaimable(stoppedSize, containersSize),
      ],
      [
        "Local Volumes",
        String(usage.Volumes.length),
        String(activeVolumes.length),
        humanSize(volumesSize),
        reclaimable(volumesSize - activeSize, volumesSize),
      ],
      ["Build Cache", "0", "0", "0B", "0B"],
    ]));
    return 0;
  },
};
