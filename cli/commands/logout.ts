/**
 * `berth logout [SERVER]`: forget the credentials kept for a registry.
 * @module
 */

import { serverHost } from "../../lib/registry_host.ts";
import type { Command } from "../command.ts";
import { outLine } from "../output.ts";
import { forgetCredentials } from "../registry_config.ts";

export const command: Command = {
  usage: "logout [SERVER]",
  description: "Log out from a registry",
  flags: [],
  maxArgs: 1,
  async run(_context, flags) {
    const host = serverHost(flags.positionals[0]);
    if (!await forgetCredentials(host)) {
      outLine(`Not logged in to ${host}`);
      return 0;
    }
    outLine(`Removing login credentials for ${host}`);
    return 0;
  },
};
