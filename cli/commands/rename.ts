/**
 * `berth rename CONTAINER NEW_NAME`
 * @module
 */

import type { Command } from "../command.ts";

export const command: Command = {
  usage: "rename CONTAINER NEW_NAME",
  description: "Rename a container",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run({ client }, flags) {
    const [container, name] = flags.positionals;
    await client.call("POST", `/containers/${encodeURIComponent(container)}/rename`, {
      query: { name },
    });
    return 0;
  },
};
