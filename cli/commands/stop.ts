/**
 * `berth stop [OPTIONS] CONTAINER [CONTAINER...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "stop [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Stop one or more running containers",
  flags: [
    {
      name: "time",
      short: "t",
      type: "int",
      value: "int",
      description: "Seconds to wait before killing the container",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    const t = flags.int("time");
    return forEachArgument(flags.positionals, async (container) => {
      await client.call("POST", `/containers/${encodeURIComponent(container)}/stop`, {
        query: { t },
      });
      outLine(container);
    }, reportError);
  },
};
