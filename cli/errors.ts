/**
 * How the CLI reports failures, worded as docker's CLI words them.
 * @module
 */

import { ConnectError, DaemonError } from "./api_client.ts";
import { errLine } from "./output.ts";

/** The line printed for an error. */
export function describeError(error: unknown): string {
  if (error instanceof DaemonError) return `Error response from daemon: ${error.message}`;
  if (error instanceof ConnectError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Print an error for one argument of a multi-argument command. */
export function reportError(_item: string, error: unknown): void {
  errLine(describeError(error));
}

/**
 * Exit status of `run`/`start` failures as docker's CLI picks it: 127 when
 * the command was not found, 126 when it could not be invoked, else 125.
 */
export function runExitCode(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  if (
    message.includes("executable file not found") ||
    message.includes("no such file or directory") ||
    message.includes("system cannot find the file specified")
  ) return 127;
  if (message.includes("permission denied") || message.includes("is a directory")) return 126;
  return 125;
}
