/**
 * Where `save` and `export` put the tar the daemon streams: a file that
 * appears only once complete (a failure leaves nothing half-written), or
 * stdout.
 * @module
 */

import type { FlagSpec } from "./flags.ts";
import { errLine } from "./output.ts";
import { writeAll } from "../protocol/write_all.ts";

/** `-o/--output FILE`, as docker's save and export take it. */
export const OUTPUT_FLAG: FlagSpec = {
  name: "output",
  short: "o",
  type: "string",
  value: "string",
  description: "Write to a file, instead of STDOUT",
};

/** False (after saying why) when the archive would go to a terminal. */
export function outputAllowed(output: string | undefined): boolean {
  if (output || !Deno.stdout.isTerminal()) return true;
  errLine("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  return false;
}

/** Write `body` to `output` (stdout when undefined); returns the exit code. */
export async function writeArchive(
  body: ReadableStream<Uint8Array>,
  output: string | undefined,
): Promise<number> {
  const temp = output ? `${output}.berth-${Deno.pid}` : undefined;
  const target = temp
    ? await Deno.open(temp, { write: true, create: true, truncate: true, mode: 0o644 })
    : Deno.stdout;
  try {
    for await (const chunk of body) {
      await writeAll(target, chunk);
    }
    if (temp) {
      target.close();
      await Deno.rename(temp, output!);
    }
    return 0;
  } catch (error) {
    if (temp) {
      try {
        target.close();
      } catch {
        // closed already
      }
      await Deno.remove(temp).catch(() => {});
    }
    errLine(`writing the archive failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}
