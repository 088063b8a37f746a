/**
 * `berth save [-o FILE] IMAGE...`: images as a docker-archive tar, to a
 * file or to stdout (never to a terminal).
 * @module
 */

import type { Command } from "../command.ts";
import { errLine } from "../output.ts";
import { writeArchive } from "../archive_output.ts";

export const command: Command = {
  usage: "save [OPTIONS] IMAGE [IMAGE...]",
  description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
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
  async run({ client }, flags) {
    const output = flags.string("output");
    if (!output && Deno.stdout.isTerminal()) {
      errLine("cowardly refusing to save to a terminal. Use the -o flag or redirect");
      return 1;
    }
    const response = await client.request("GET", "/images/get", {
      query: { names: flags.positionals },
    });
    return await writeArchive(response.body, output);
  },
};
