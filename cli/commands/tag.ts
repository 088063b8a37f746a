/**
 * `berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`
 * @module
 */

import type { Command } from "../command.ts";

/** Split `name[:tag]` (a colon before the last slash belongs to a registry port). */
export function splitTag(reference: string): { repo: string; tag?: string } {
  const colon = reference.lastIndexOf(":");
  if (colon > reference.lastIndexOf("/") && !reference.includes("@")) {
    return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  }
  return { repo: reference };
}

export const command: Command = {
  usage: "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run({ client }, flags) {
    const [source, target] = flags.positionals;
    const { repo, tag } = splitTag(target);
    await client.call("POST", `/images/${encodeURIComponent(source)}/tag`, {
      query: { repo, tag },
    });
    return 0;
  },
};
