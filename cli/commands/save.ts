/**
 * `berth save [-o FILE] IMAGE...`: images as a docker-archive tar, to a
 * file or to stdout (never to a terminal).
 * @module
 */

import type { Command } from "../command.ts";
import { OUTPUT_FLAG, outputAllowed, writeArchive } from "../archive_output.ts";

export const command: Command = {
  usage: "save [OPTIONS] IMAGE [IMAGE...]",
  description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  flags: [OUTPUT_FLAG],
  minArgs: 1,
  async run({ client }, flags) {
    const output = flags.string("output");
    if (!outputAllowed(output)) return 1;
    const response = await client.request("GET", "/images/get", {
      query: { names: flags.positionals },
    });
    return await writeArchive(response.body, output);
  },
};
