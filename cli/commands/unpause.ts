/**
 * `berth unpause CONTAINER [CONTAINER...]`
 * @module
 */

import type { Command } from "../command.ts";
import { postToEach } from "./container_action.ts";

export const command: Command = {
  usage: "unpause CONTAINER [CONTAINER...]",
  description: "Unpause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  run({ client }, flags) {
    return postToEach(client, flags.positionals, "unpause");
  },
};
