/**
 * `berth pull [OPTIONS] NAME[:TAG|@DIGEST]`
 * @module
 */

import type { Command } from "../command.ts";
import { errLine, outLine } from "../output.ts";
import { pullWithProgress } from "../pull_progress.ts";

export const command: Command = {
  usage: "pull [OPTIONS] NAME[:TAG|@DIGEST]",
  description: "Download an image from a registry",
  flags: [
    {
      name: "platform",
      type: "string",
      value: "string",
      description: "Set platform if server is multi-platform capable",
    },
    { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
    {
      name: "all-tags",
      short: "a",
      type: "bool",
      description: "Download all tagged images in the repository",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const [name] = flags.positionals;
    if (flags.bool("all-tags")) {
      errLine("pulling all tags is not supported: pull each tag by name");
      return 1;
    }
    const quiet = flags.bool("quiet");
    const code = await pullWithProgress(client, name, {
      platform: flags.string("platform"),
      quiet,
    });
    if (code === 0 && quiet) {
      outLine(name.includes("@") || /:[^/]*$/.test(name) ? name : `${name}:latest`);
    }
    return code;
  },
};
