/**
 * Asking the user before a destructive command (`prune` without -f).
 * @module
 */

import { out } from "./output.ts";

/** Ask on the terminal; anything but y/yes is no. */
export async function confirm(question: string): Promise<boolean> {
  out(`${question} [y/N] `);
  const buffer = new Uint8Array(256);
  const read = await Deno.stdin.read(buffer);
  const answer = new TextDecoder().decode(buffer.subarray(0, read ?? 0)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}
