/**
 * `berth volume create [OPTIONS] [VOLUME]`
 * @module
 */

import type { Command } from "../command.ts";
import { UsageError } from "../flags.ts";
import { outLine } from "../output.ts";
import { keyValues } from "../flags.ts";

export const command: Command = {
  usage: "volume create [OPTIONS] [VOLUME]",
  description: "Create a volume",
  flags: [
    {
      name: "driver",
      short: "d",
      type: "string",
      value: "string",
      description: 'Specify volume driver name (default "local")',
    },
    { name: "label", type: "list", value: "list", description: "Set metadata for a volume" },
    { name: "name", type: "string", value: "string", description: "Specify volume name" },
    {
      name: "opt",
      short: "o",
      type: "list",
      value: "map",
      description: "Set driver specific options",
    },
  ],
  maxArgs: 1,
  async run({ client }, flags) {
    const [positional] = flags.positionals;
    const named = flags.string("name");
    if (positional && named && positional !== named) {
      throw new UsageError(
        `conflicting options: either specify --name or provide positional arg, not both`,
      );
    }
    const volume = await client.json<{ Name: string }>("POST", "/volumes/create", {
      body: {
        Name: positional ?? named ?? "",
        Driver: flags.string("driver") ?? "local",
        DriverOpts: keyValues(flags.list("opt"), "opt"),
        Labels: keyValues(flags.list("label"), "label"),
      },
    });
    outLine(volume.Name);
    return 0;
  },
};
