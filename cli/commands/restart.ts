/**
 * `berth restart [OPTIONS] CONTAINER [CONTAINER...]`
 * @module
 */

import type { Command } from "../command.ts";
import { postToEach } from "./container_action.ts";

export const command: Command = {
  usage: "restart [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Restart one or more containers",
  flags: [
    {
      name: "time",
      short: "t",
      type: "int",
      value: "int",
      description: "Seconds to wait before killing the container",
    },
    {
      name: "signal",
      short: "s",
      type: "string",
      value: "string",
      description: "Signal to send to the container",
    },
  ],
  minArgs: 1,
  run({ client }, flags) {
    return postToEach(client, flags.positionals, "restart", {
      t: flags.int("time"),
      signal: flags.string("signal"),
    });
  },
};
