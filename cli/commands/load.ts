/**
 * `berth load [-i FILE] [-q]`: images from a `docker save` or OCI layout
 * archive (a file or stdin).
 * @module
 */

import type { Command } from "../command.ts";
import { openInput, printJsonMessages } from "../input_file.ts";
import { errLine, outLine } from "../output.ts";

export const command: Command = {
  usage: "load [OPTIONS]",
  description: "Load an image from a tar archive or STDIN",
  flags: [
    {
      name: "input",
      short: "i",
      type: "string",
      value: "string",
      description: "Read from tar archive file, instead of STDIN",
    },
    { name: "quiet", short: "q", type: "bool", description: "Suppress the load output" },
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const source = flags.string("input") ?? "-";
    if (source === "-" && Deno.stdin.isTerminal()) {
      errLine("requested load from stdin, but stdin is empty");
      return 1;
    }
    const body = await openInput(source);
    if (!body) return 1;
    const response = await client.request("POST", "/images/load", {
      query: { quiet: flags.bool("quiet") ? "1" : undefined },
      body,
      headers: { "Content-Type": "application/x-tar" },
    });
    const quiet = flags.bool("quiet");
    return printJsonMessages(await response.text(), (line) => quiet || outLine(line));
  },
};
