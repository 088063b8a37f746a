/**
 * `berth volume rm [OPTIONS] VOLUME [VOLUME...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "volume rm [OPTIONS] VOLUME [VOLUME...]",
  description: "Remove one or more volumes",
  flags: [
    {
      name: "force",
      short: "f",
      type: "bool",
      description: "Force the removal of one or more volumes",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    return forEachArgument(flags.positionals, async (volume) => {
      await client.call("DELETE", `/volumes/${encodeURIComponent(volume)}`, {
        query: { force: flags.bool("force") },
      });
      outLine(volume);
    }, reportError);
  },
};
