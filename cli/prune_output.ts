/**
 * What the prune commands print, as docker prints it.
 * @module
 */

import { humanSize } from "../lib/units.ts";
import { outLine } from "./output.ts";

/** "Deleted Containers:" and one line per item, then a blank line (nothing when empty). */
export function printDeleted(title: string, lines: string[]): void {
  if (lines.length === 0) return;
  outLine(`${title}:`);
  for (const line of lines) outLine(line);
  outLine();
}

/** The last line of every prune. */
export function printReclaimed(bytes: number): void {
  outLine(`Total reclaimed space: ${humanSize(bytes)}`);
}

/** An image prune's report as lines ("untagged: ...", "deleted: ..."). */
export function imageLines(items: Record<string, string>[] | null): string[] {
  return (items ?? []).flatMap((item) => [
    ...(item.Untagged ? [`untagged: ${item.Untagged}`] : []),
    ...(item.Deleted ? [`deleted: ${item.Deleted}`] : []),
  ]);
}
