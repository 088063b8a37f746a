/**
 * The daemon's log: one line per event on stderr, with a level filter.
 * @module
 */

import type { LogLevel } from "./daemon_flags.ts";
import { writeAllSync } from "../protocol/write_all.ts";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold = ORDER.info;

/** Set the lowest level that is printed. */
export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

function emit(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < threshold) return;
  let line = `time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(message)}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    line += ` ${key}=${JSON.stringify(value)}`;
  }
  try {
    writeAllSync(Deno.stderr, new TextEncoder().encode(line + "\n"));
  } catch {
    // nowhere to log
  }
}

/** The daemon's logger. */
export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => emit("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => emit("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => emit("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => emit("error", message, fields),
};

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
