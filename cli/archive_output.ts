/**
 * Where `save` and `export` put the tar the daemon streams: a file that
 * appears only once complete (a failure leaves nothing half-written), or
 * stdout.
 * @module
 */

import { errLine } from "./output.ts";

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
      for (let offset = 0; offset < chunk.length;) {
        offset += await target.write(chunk.subarray(offset));
      }
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
