/**
 * `berth wait CONTAINER [CONTAINER...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "wait CONTAINER [CONTAINER...]",
  description: "Block until one or more containers stop, then print their exit codes",
  flags: [],
  minArgs: 1,
  run({ client }, flags) {
    return forEachArgument(flags.positionals, async (container) => {
      const result = await client.json<{ StatusCode: number }>(
        "POST",
        `/containers/${encodeURIComponent(container)}/wait`,
        { query: { condition: "not-running" } },
      );
      outLine(String(result.StatusCode));
    }, reportError);
  },
};
