/**
 * `berth system prune [-a] [-f] [--volumes] [--filter]`: stopped
 * containers, dangling images (with -a every unused image), with --volumes
 * anonymous unused volumes; after a confirmation unless -f. (berth has no
 * networks of its own and no build cache to remove.)
 * @module
 */

import { PRUNE_FILTER_FLAG } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { confirmUnlessForced, FORCE_FLAG } from "../confirm.ts";
import { imageLines, printDeleted, printReclaimed } from "../prune_output.ts";
import { filtersJson } from "./ps.ts";

export const command: Command = {
  usage: "system prune [OPTIONS]",
  description: "Remove unused data",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Remove all unused images not just dangling ones",
    },
    { name: "volumes", type: "bool", description: "Prune anonymous volumes" },
    PRUNE_FILTER_FLAG,
    FORCE_FLAG,
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const all = flags.bool("all");
    const volumes = flags.bool("volumes");
    const warning = [
      "WARNING! This will remove:",
      "  - all stopped containers",
      ...(volumes ? ["  - all anonymous volumes not used by at least one container"] : []),
      all
        ? "  - all images without at least one container associated to them"
        : "  - all dangling images",
      "",
    ];
    if (!await confirmUnlessForced(flags, warning)) return 0;
    const filters = flags.list("filter");
    const containers = await client.json<{
      ContainersDeleted: string[] | null;
      SpaceReclaimed: number;
    }>("POST", "/containers/prune", { query: { filters: filtersJson(filters) } });
    printDeleted("Deleted Containers", containers.ContainersDeleted ?? []);
    let reclaimed = containers.SpaceReclaimed;
    if (volumes) {
      const report = await client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>(
        "POST",
        "/volumes/prune",
        { query: { filters: filtersJson(filters.filter((filter) => filter.startsWith("label"))) } },
      );
      printDeleted("Deleted Volumes", report.VolumesDeleted ?? []);
      reclaimed += report.SpaceReclaimed;
    }
    const images = await client.json<{
      ImagesDeleted: Record<string, string>[] | null;
      SpaceReclaimed: number;
    }>("POST", "/images/prune", {
      query: { filters: JSON.stringify({ dangling: [all ? "false" : "true"] }) },
    });
    printDeleted("Deleted Images", imageLines(images.ImagesDeleted));
    printReclaimed(reclaimed + images.SpaceReclaimed);
    return 0;
  },
};
