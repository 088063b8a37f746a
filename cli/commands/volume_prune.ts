/**
 * `berth volume prune [-a] [-f] [--filter]`: remove the anonymous volumes
 * no container uses (with -a, every unused volume), after a confirmation
 * unless -f.
 * @module
 */

import type { Command } from "../command.ts";
import { PRUNE_FILTER_FLAG } from "../common_flags.ts";
import { confirmUnlessForced, FORCE_FLAG } from "../confirm.ts";
import { printDeleted, printReclaimed } from "../prune_output.ts";
import { filtersJson } from "./ps.ts";

export const command: Command = {
  usage: "volume prune [OPTIONS]",
  description: "Remove unused local volumes",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Remove all unused volumes, not just anonymous ones",
    },
    PRUNE_FILTER_FLAG,
    FORCE_FLAG,
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const all = flags.bool("all");
    const warning = all
      ? "WARNING! This will remove all local volumes not used by at least one container."
      : "WARNING! This will remove anonymous local volumes not used by at least one container.";
    if (!await confirmUnlessForced(flags, [warning])) return 0;
    const filters = [...flags.list("filter"), ...(all ? ["all=true"] : [])];
    const report = await client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>(
      "POST",
      "/volumes/prune",
      { query: { filters: filtersJson(filters) } },
    );
    printDeleted("Deleted Volumes", report.VolumesDeleted ?? []);
    printReclaimed(report.SpaceReclaimed);
    return 0;
  },
};
