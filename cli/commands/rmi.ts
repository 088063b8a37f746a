/**
 * `berth rmi [OPTIONS] IMAGE [IMAGE...]`
 * @module
 */

import { type Command, forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "rmi [OPTIONS] IMAGE [IMAGE...]",
  description: "Remove one or more images",
  flags: [
    { name: "force", short: "f", type: "bool", description: "Force removal of the image" },
    { name: "no-prune", type: "bool", description: "Do not delete untagged parents" },
  ],
  minArgs: 1,
  run({ client }, flags) {
    return forEachArgument(flags.positionals, async (image) => {
      const removed = await client.json<Record<string, string>[]>(
        "DELETE",
        `/images/${encodeURIComponent(image)}`,
        { query: { force: flags.bool("force"), noprune: flags.bool("no-prune") } },
      );
      for (const item of removed) {
        if (item.Untagged) outLine(`Untagged: ${item.Untagged}`);
        if (item.Deleted) outLine(`Deleted: ${item.Deleted}`);
      }
    }, reportError);
  },
};
