/**
 * `berth container prune [-f] [--filter]`: remove every stopped container
 * (the filters `until` and `label` narrow it), after a confirmation unless -f.
 * @module
 */

import { PRUNE_FILTER_FLAG } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { confirmUnlessForced, FORCE_FLAG } from "../confirm.ts";
import { printDeleted, printReclaimed } from "../prune_output.ts";
import { filtersJson } from "./ps.ts";

export const command: Command = {
  usage: "container prune [OPTIONS]",
  description: "Remove all stopped containers",
  flags: [
    PRUNE_FILTER_FLAG,
    FORCE_FLAG,
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    if (!await confirmUnlessForced(flags, ["WARNING! This will remove all stopped containers."])) {
      return 0;
    }
    const report = await client.json<
      { ContainersDeleted: string[] | null; SpaceReclaimed: number }
    >(
      "POST",
      "/containers/prune",
      { query: { filters: filtersJson(flags.list("filter")) } },
    );
    printDeleted("Deleted Containers", report.ContainersDeleted ?? []);
    printReclaimed(report.SpaceReclaimed);
    return 0;
  },
};
