/**
 * `berth rm [OPTIONS] CONTAINER [CONTAINER...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "rm [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Remove one or more containers",
  flags: [
    {
      name: "force",
      short: "f",
      type: "bool",
      description: "Force the removal of a running container (uses SIGKILL)",
    },
    {
      name: "volumes",
      short: "v",
      type: "bool",
      description: "Remove anonymous volumes associated with the container",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    const force = flags.bool("force");
    return forEachArgument(flags.positionals, async (container) => {
      await client.call("DELETE", `/containers/${encodeURIComponent(container)}`, {
        query: { force, v: flags.bool("volumes") },
      });
      outLine(container);
    }, reportError);
  },
};
