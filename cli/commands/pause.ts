/**
 * `berth pause CONTAINER [CONTAINER...]`
 * @module
 */

import type { Command } from "../command.ts";
import { postToEach } from "./container_action.ts";

export const command: Command = {
  usage: "pause CONTAINER [CONTAINER...]",
  description: "Pause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  run({ client }, flags) {
    return postToEach(client, flags.positionals, "pause");
  },
};
