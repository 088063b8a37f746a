/**
 * `berth save [-o FILE] IMAGE...`: images as a docker-archive tar, to a
 * file or to stdout (never to a terminal).
 * @module
 */

import type { Command } from "../command.ts";
import { errLine } from "../output.ts";

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
    // A file appears only once complete: a failed save leaves nothing half-written.
    const temp = output ? `${output}.berth-save-${Deno.pid}` : undefined;
    const target = temp
      ? await Deno.open(temp, { write: true, create: true, truncate: true, mode: 0o644 })
      : Deno.stdout;
    try {
      for await (const chunk of response.body) {
        for (let offset = 0; offset < chunk.length;) {
          offset += await target.write(chunk.subarray(offset));
        }
      }
      if (temp) {
        target.close();
        await Deno.rename(temp, output!);
      }
    } catch (error) {
      if (temp) {
        try {
          target.close();
        } catch {
          // closed already
        }
        await Deno.remove(temp).catch(() => {});
      }
      errLine(`saving failed: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
    return 0;
  },
};
