/**
 * `berth network rm NETWORK [NETWORK...]` (the predefined networks refuse).
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "network rm NETWORK [NETWORK...]",
  description: "Remove one or more networks",
  flags: [{ name: "force", short: "f", type: "bool", description: "Do not error if missing" }],
  minArgs: 1,
  run({ client }, flags) {
    return forEachArgument(flags.positionals, async (network) => {
      await client.call("DELETE", `/networks/${encodeURIComponent(network)}`);
      outLine(network);
    }, reportError);
  },
};
