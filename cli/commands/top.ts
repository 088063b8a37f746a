/**
 * `berth top CONTAINER [ps OPTIONS]`
 * @module
 */

import type { Command } from "../command.ts";
import { out, table } from "../output.ts";

export const command: Command = {
  usage: "top CONTAINER [ps OPTIONS]",
  description: "Display the running processes of a container",
  flags: [],
  stopAtPositional: true,
  minArgs: 1,
  async run({ client }, flags) {
    const [container, ...psArgs] = flags.positionals;
    const result = await client.json<{ Titles: string[]; Processes: string[][] }>(
      "GET",
      `/containers/${encodeURIComponent(container)}/top`,
      { query: { ps_args: psArgs.length ? psArgs.join(" ") : undefined } },
    );
    out(table([result.Titles, ...result.Processes]));
    return 0;
  },
};
