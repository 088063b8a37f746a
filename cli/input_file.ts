/**
 * Files a command reads its body from (`import FILE`, `load -i FILE`), or
 * stdin for "-".
 * @module
 */

import { errLine } from "./output.ts";

/** The contents of `source` ("-": stdin) as a stream; undefined after printing why not. */
export async function openInput(source: string): Promise<ReadableStream<Uint8Array> | undefined> {
  if (source === "-") return Deno.stdin.readable;
  try {
    return (await Deno.open(source)).readable;
  } catch (error) {
    errLine(
      `open ${source}: ${
        error instanceof Deno.errors.NotFound ? "no such file or directory" : error
      }`,
    );
    return undefined;
  }
}

/**
 * Print docker's JSON messages (`{"status"}`, `{"stream"}`, `{"error"}`),
 * one per line; returns the exit code (1 after an error message).
 */
export function printJsonMessages(
  text: string,
  print: (line: string) => void,
): number {
  for (const line of text.split(/\r?\n/).filter(Boolean)) {
    const message = JSON.parse(line);
    if (message.error) {
      errLine(message.error);
      return 1;
    }
    if (message.status) print(message.status);
    if (message.stream) print(message.stream.replace(/\n$/, ""));
  }
  return 0;
}
