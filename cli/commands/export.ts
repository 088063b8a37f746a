/**
 * `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar.
 * @module
 */

import { OUTPUT_FLAG, outputAllowed, writeArchive } from "../archive_output.ts";
import type { Command } from "../command.ts";

export const command: Command = {
  usage: "export [OPTIONS] CONTAINER",
  description: "Export a container's filesystem as a tar archive",
  flags: [OUTPUT_FLAG],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const output = flags.string("output");
    if (!outputAllowed(output)) return 1;
    const response = await client.request(
      "GET",
      `/containers/${encodeURIComponent(flags.positionals[0])}/export`,
    );
    return await writeArchive(response.body, output);
  },
};
