/**
 * `berth network disconnect [--force] NETWORK CONTAINER`.
 * @module
 */

import type { Command } from "../command.ts";

export const command: Command = {
  usage: "network disconnect [OPTIONS] NETWORK CONTAINER",
  description: "Disconnect a container from a network",
  flags: [{
    name: "force",
    short: "f",
    type: "bool",
    description: "Force the container to disconnect from a network",
  }],
  minArgs: 2,
  maxArgs: 2,
  async run({ client }, flags) {
    const [network, container] = flags.positionals;
    await client.call("POST", `/networks/${encodeURIComponent(network)}/disconnect`, {
      body: { Container: container, Force: flags.bool("force") },
    });
    return 0;
  },
};
