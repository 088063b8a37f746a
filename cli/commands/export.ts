/**
 * `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar.
 * @module
 */

import { writeArchive } from "../archive_output.ts";
import type { Command } from "../command.ts";
import { errLine } from "../output.ts";

export const command: Command = {
  usage: "export [OPTIONS] CONTAINER",
  description: "Export a container's filesystem as a tar archive",
  flags: [
    {
      name: "output",
      short: "o",
      type: "string",
      value: "string",
      description: "Write to a file, instead of STDOUT",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const output = flags.string("output");
    if (!output && Deno.stdout.isTerminal()) {
      errLine("cowardly refusing to save to a terminal. Use the -o flag or redirect");
      return 1;
    }
    const response = await client.request(
      "GET",
      `/containers/${encodeURIComponent(flags.positionals[0])}/export`,
    );
    return await writeArchive(response.body, output);
  },
};
