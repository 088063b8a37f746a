/**
 * `berth push [OPTIONS] NAME[:TAG]`
 * @module
 */

import type { Command } from "../command.ts";
import { errLine } from "../output.ts";
import { showProgress, splitPullName } from "../pull_progress.ts";
import { registryAuthHeader } from "../registry_config.ts";

export const command: Command = {
  usage: "push [OPTIONS] NAME[:TAG]",
  description: "Upload an image to a registry",
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
    {
      name: "all-tags",
      short: "a",
      type: "bool",
      description: "Push all tags of an image to the repository",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const [name] = flags.positionals;
    if (flags.bool("all-tags")) {
      errLine("pushing all tags is not supported: push each tag by name");
      return 1;
    }
    if (name.includes("@")) {
      errLine("cannot push a digest reference");
      return 1;
    }
    const { fromImage, tag } = splitPullName(name);
    const auth = await registryAuthHeader(name);
    const response = await client.request("POST", `/images/${fromImage}/push`, {
      query: { tag },
      headers: { "X-Registry-Auth": auth ?? btoa("{}") },
    });
    return await showProgress(response, { quiet: flags.bool("quiet") });
  },
};
