/**
 * `berth kill [OPTIONS] CONTAINER [CONTAINER...]`
 * @module
 */

import type { Command } from "../command.ts";
import { postToEach } from "./container_action.ts";

export const command: Command = {
  usage: "kill [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Kill one or more running containers",
  flags: [
    {
      name: "signal",
      short: "s",
      type: "string",
      value: "string",
      description: "Signal to send to the container",
      default: "KILL",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    return postToEach(client, flags.positionals, "kill", { signal: flags.string("signal") });
  },
};
