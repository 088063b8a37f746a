/**
 * `berth update [OPTIONS] CONTAINER [CONTAINER...]`: the restart policy.
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { restartPolicy } from "../container_options.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";
import { UsageError } from "../flags.ts";

export const command: Command = {
  usage: "update [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Update configuration of one or more containers",
  flags: [
    {
      name: "restart",
      type: "string",
      value: "string",
      description: "Restart policy to apply when a container exits",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    const restart = flags.string("restart");
    if (restart === undefined) {
      throw new UsageError("nothing to update: berth update takes --restart for now");
    }
    const body = { RestartPolicy: restartPolicy(restart, false) };
    return forEachArgument(flags.positionals, async (container) => {
      await client.json("POST", `/containers/${encodeURIComponent(container)}/update`, { body });
      outLine(container);
    }, reportError);
  },
};
