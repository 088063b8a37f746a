/**
 * `berth network prune [-f]`: the predefined networks are never removed,
 * so nothing is; the daemon says what it deleted.
 * @module
 */

import type { Command } from "../command.ts";
import { PRUNE_FILTER_FLAG } from "../common_flags.ts";
import { confirmUnlessForced, FORCE_FLAG } from "../confirm.ts";
import { printDeleted } from "../prune_output.ts";

export const command: Command = {
  usage: "network prune [OPTIONS]",
  description: "Remove all unused networks",
  flags: [
    PRUNE_FILTER_FLAG,
    FORCE_FLAG,
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const warning =
      "WARNING! This will remove all custom networks not used by at least one container.";
    if (!await confirmUnlessForced(flags, [warning])) return 0;
    const report = await client.json<{ NetworksDeleted: string[] | null }>(
      "POST",
      "/networks/prune",
    );
    printDeleted("Deleted Networks", report.NetworksDeleted ?? []);
    return 0;
  },
};
