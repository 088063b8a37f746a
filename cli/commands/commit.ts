/**
 * `berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]`
 * @module
 */

import type { Command } from "../command.ts";
import { outLine } from "../output.ts";
import { splitTag } from "./tag.ts";

export const command: Command = {
  usage: "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  description: "Create a new image from a container's changes",
  flags: [
    { name: "author", short: "a", type: "string", value: "string", description: "Author" },
    {
      name: "change",
      short: "c",
      type: "list",
      value: "list",
      description: "Apply Dockerfile instruction to the created image",
    },
    { name: "message", short: "m", type: "string", value: "string", description: "Commit message" },
    {
      name: "pause",
      short: "p",
      type: "bool",
      default: true,
      description: "Pause container during commit",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run({ client }, flags) {
    const [container, reference] = flags.positionals;
    const { repo, tag } = reference ? splitTag(reference) : { repo: undefined, tag: undefined };
    const created = await client.json<{ Id: string }>("POST", "/commit", {
      query: {
        container,
        repo,
        tag,
        comment: flags.string("message"),
        author: flags.string("author"),
        changes: flags.list("change"),
        pause: flags.bool("pause"),
      },
    });
    outLine(created.Id);
    return 0;
  },
};
