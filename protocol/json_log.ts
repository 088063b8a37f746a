/**
 * The docker json-file log format, shared by the shim (writer) and the
 * daemon (reader): one JSON object per line,
 * `{"log":"text\n","stream":"stdout","time":"2006-01-02T15:04:05.999999999Z"}`.
 * A `log` value without a trailing newline is a partial line.
 * @module
 */

/** Which output stream a log entry came from. */
export type OutputStream = "stdout" | "stderr";

/** One parsed log line. */
export interface JsonLogEntry {
  log: string;
  stream: OutputStream;
  time: string;
}

/** Longest line stored in one entry; longer lines are split (as docker does). */
export const MAX_LOG_LINE = 16 * 1024;

/** Names of the rotated files of a log, newest first, the current one first. */
export function logFileNames(path: string, maxFiles: number): string[] {
  const names = [path];
  for (let index = 1; index < maxFiles; index++) names.push(`${path}.${index}`);
  return names;
}
