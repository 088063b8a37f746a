/**
 * `berth pause CONTAINER [CONTAINER...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "pause CONTAINER [CONTAINER...]",
  description: "Pause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  run({ client }, flags) {
    return forEachArgument(flags.positionals, async (container) => {
      await client.call("POST", `/containers/${encodeURIComponent(container)}/pause`);
      outLine(container);
    }, reportError);
  },
};
