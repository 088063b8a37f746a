/**
 * Asking the user before a destructive command (`prune` without -f).
 * @module
 */

import type { Flags, FlagSpec } from "./flags.ts";
import { out, outLine } from "./output.ts";

/** Ask on the terminal; anything but y/yes is no. */
export async function confirm(question: string): Promise<boolean> {
  out(`${question} [y/N] `);
  const buffer = new Uint8Array(256);
  const read = await Deno.stdin.read(buffer);
  const answer = new TextDecoder().decode(buffer.subarray(0, read ?? 0)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/** `-f, --force` of the prune commands. */
export const FORCE_FLAG: FlagSpec = {
  name: "force",
  short: "f",
  type: "bool",
  description: "Do not prompt for confirmation",
};

/** Unless --force: print the warning lines, then ask; true to go on. */
export async function confirmUnlessForced(flags: Flags, warning: string[]): Promise<boolean> {
  if (flags.bool("force")) return true;
  for (const line of warning) outLine(line);
  return await confirm("Are you sure you want to continue?");
}
