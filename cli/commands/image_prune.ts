/**
 * `berth image prune [-a] [-f]`: remove dangling images (with -a, every
 * image no container uses), after a confirmation unless -f.
 * @module
 */

import type { Command } from "../command.ts";
import { confirmUnlessForced, FORCE_FLAG } from "../confirm.ts";
import { imageLines, printDeleted, printReclaimed } from "../prune_output.ts";

export const command: Command = {
  usage: "image prune [OPTIONS]",
  description: "Remove unused images",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Remove all unused images, not just dangling ones",
    },
    FORCE_FLAG,
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const all = flags.bool("all");
    const warning = all
      ? "WARNING! This will remove all images without at least one container associated to them."
      : "WARNING! This will remove all dangling images.";
    if (!await confirmUnlessForced(flags, [warning])) return 0;
    const report = await client.json<{
      ImagesDeleted: Record<string, string>[] | null;
      SpaceReclaimed: number;
    }>("POST", "/images/prune", {
      query: { filters: JSON.stringify({ dangling: [all ? "false" : "true"] }) },
    });
    printDeleted("Deleted Images", imageLines(report.ImagesDeleted));
    printReclaimed(report.SpaceReclaimed);
    return 0;
  },
};
