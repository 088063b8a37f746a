/**
 * A container's log formats, shared by the shim (writer) and the daemon
 * (reader). One entry per line:
 * - docker's json-file:
 *   `{"log":"text\n","stream":"stdout","time":"2006-01-02T15:04:05.999999999Z"}`,
 *   a `log` value without a trailing newline being a partial line;
 * - the CRI format (Kubernetes, podman's k8s-file):
 *   `2006-01-02T15:04:05.999999999Z stdout F text`, F for a whole line (its
 *   newline dropped), P for a partial one; the text is raw bytes.
 * @module
 */

export type { LogFormat } from "./shim_protocol.ts";

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
