/**
 * `berth diff CONTAINER`: files and directories the container changed
 * (A added, C changed, D deleted).
 * @module
 */

import type { Command } from "../command.ts";
import { out } from "../output.ts";

const KINDS = ["C", "A", "D"];

export const command: Command = {
  usage: "diff CONTAINER",
  description: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const changes = await client.json<{ Path: string; Kind: number }[] | null>(
      "GET",
      `/containers/${encodeURIComponent(flags.positionals[0])}/changes`,
    );
    out((changes ?? []).map((change) => `${KINDS[change.Kind]} ${change.Path}\n`).join(""));
    return 0;
  },
};
