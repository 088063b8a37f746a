/**
 * `berth network connect|disconnect NETWORK CONTAINER`: asked of the
 * daemon, which explains that a container keeps the network it was
 * created on for now.
 * @module
 */

import type { Command } from "../command.ts";

/** The command for `connect` or `disconnect`. */
export function networkAttachCommand(action: "connect" | "disconnect"): Command {
  return {
    usage: `network ${action} [OPTIONS] NETWORK CONTAINER`,
    description: `${action[0].toUpperCase()}${action.slice(1)} a container ${
      action === "connect" ? "to" : "from"
    } a network`,
    flags: [],
    minArgs: 2,
    maxArgs: 2,
    async run({ client }, flags) {
      const [network, container] = flags.positionals;
      await client.json("POST", `/networks/${encodeURIComponent(network)}/${action}`, {
        body: { Container: container },
      });
      return 0;
    },
  };
}

export const command: Command = networkAttachCommand("connect");
