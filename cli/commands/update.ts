/**
 * `berth update [OPTIONS] CONTAINER [CONTAINER...]`: resource limits and
 * the restart policy.
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { restartPolicy } from "../container_options.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";
import { UsageError } from "../flags.ts";
import { RESOURCE_FLAGS, resourceLimits } from "../resource_flags.ts";

export const command: Command = {
  usage: "update [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Update configuration of one or more containers",
  flags: [
    ...RESOURCE_FLAGS,
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
    const body: Record<string, unknown> = resourceLimits(flags);
    if (restart !== undefined) body.RestartPolicy = restartPolicy(restart, false);
    if (Object.keys(body).length === 0) {
      throw new UsageError("you must provide one or more flags when using this command");
    }
    return forEachArgument(flags.positionals, async (container) => {
      await client.json("POST", `/containers/${encodeURIComponent(container)}/update`, { body });
      outLine(container);
    }, reportError);
  },
};
