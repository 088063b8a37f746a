/**
 * `berth network create|connect|disconnect`: asked of the daemon, which
 * explains that it has only its predefined networks for now.
 * @module
 */

import type { Command } from "../command.ts";

export const command: Command = {
  usage: "network create|connect|disconnect [OPTIONS] ...",
  description: "Create a network, or connect or disconnect a container (not supported yet)",
  flags: [
    { name: "driver", short: "d", type: "string", value: "string", description: "Driver" },
  ],
  minArgs: 1,
  async run({ client }, flags) {
    await client.json("POST", "/networks/create", {
      body: { Name: flags.positionals[0], Driver: flags.string("driver") ?? "bridge" },
    });
    return 0;
  },
};
