/**
 * `berth builder prune [-a] [-f] [--filter until=...]`: remove the build
 * cache (the step images of builds nothing tagged was made from; with -a,
 * every step image), after a confirmation unless -f.
 * @module
 */

import type { Command } from "../command.ts";
import { confirmUnlessForced, FORCE_FLAG } from "../confirm.ts";
import { printDeleted, printReclaimed } from "../prune_output.ts";

export const command: Command = {
  usage: "builder prune [OPTIONS]",
  description: "Remove build cache",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Remove all unused build cache, not just dangling ones",
    },
    { name: "filter", type: "list", value: "filter", description: "Provide filter values" },
    FORCE_FLAG,
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const all = flags.bool("all");
    const warning = all
      ? "WARNING! This will remove all build cache."
      : "WARNING! This will remove all dangling build cache.";
    if (!await confirmUnlessForced(flags, [warning])) return 0;
    const filters: Record<string, string[]> = {};
    for (const filter of flags.list("filter")) {
      const equals = filter.indexOf("=");
      const key = equals < 0 ? filter : filter.slice(0, equals);
      (filters[key] ??= []).push(equals < 0 ? "" : filter.slice(equals + 1));
    }
    const report = await client.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>(
      "POST",
      "/build/prune",
      { query: { all: all ? "1" : undefined, filters: JSON.stringify(filters) } },
    );
    printDeleted("Deleted build cache objects", report.CachesDeleted ?? []);
    printReclaimed(report.SpaceReclaimed);
    return 0;
  },
};
