/**
 * `berth kill [OPTIONS] CONTAINER [CONTAINER...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "kill [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Kill one or more running containers",
  flags: [
    {
      name: "signal",
      short: "s",
      type: "string",
      value: "string",
      description: "Signal to send to the container",
      default: "KILL",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    const signal = flags.string("signal");
    return forEachArgument(flags.positionals, async (container) => {
      await client.call("POST", `/containers/${encodeURIComponent(container)}/kill`, {
        query: { signal },
      });
      outLine(container);
    }, reportError);
  },
};
