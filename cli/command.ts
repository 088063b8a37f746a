/**
 * What every CLI command is: its usage, flags, and what it runs.
 * @module
 */

import type { ApiClient } from "./api_client.ts";
import type { Flags, FlagSpec } from "./flags.ts";

/** What a command runs with. */
export interface CommandContext {
  client: ApiClient;
  /** The command's name as typed (for messages). */
  name: string;
}

/** One `berth` subcommand. */
export interface Command {
  /** `run [OPTIONS] IMAGE [COMMAND] [ARG...]` */
  usage: string;
  description: string;
  flags: FlagSpec[];
  /** Stop flag parsing at the first positional (run, create, exec). */
  stopAtPositional?: boolean;
  minArgs?: number;
  maxArgs?: number;
  /** Returns the process exit status. */
  run(context: CommandContext, flags: Flags): Promise<number>;
}

/** Run `action` for each argument, docker style: report failures, go on, exit 1 if any failed. */
export async function forEachArgument(
  items: string[],
  action: (item: string) => Promise<void>,
  report: (item: string, error: unknown) => void,
): Promise<number> {
  let status = 0;
  for (const item of items) {
    try {
      await action(item);
    } catch (error) {
      report(item, error);
      status = 1;
    }
  }
  return status;
}
