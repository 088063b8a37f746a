/**
 * Writing to the terminal: whole writes to stdout/stderr (a closed pipe
 * ends the command quietly), docker's tables, and `--format` rendering.
 * @module
 */

import type { Flags } from "./flags.ts";
import { GoTemplate } from "./go_template.ts";
import { writeAllSync } from "../protocol/write_all.ts";

const encoder = new TextEncoder();

/** stdout was closed by the reader (`berth logs | head`). */
export class StdoutClosed extends Error {}

function writeOut(target: typeof Deno.stdout | typeof Deno.stderr, data: Uint8Array): void {
  try {
    writeAllSync(target, data);
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) throw new StdoutClosed();
    throw error;
  }
}

/** Write text (or bytes) to stdout. */
export function out(text: string | Uint8Array): void {
  writeOut(Deno.stdout, typeof text === "string" ? encoder.encode(text) : text);
}

/** Write a line to stdout. */
export function outLine(text = ""): void {
  out(text + "\n");
}

/** Write bytes to stderr. */
export function errOut(data: Uint8Array): void {
  try {
    writeOut(Deno.stderr, data);
  } catch {
    // nowhere to report
  }
}

/** Write a line to stderr. */
export function errLine(text: string): void {
  try {
    writeOut(Deno.stderr, encoder.encode(text + "\n"));
  } catch {
    // nowhere to report
  }
}

/** Columns padded like docker's tabwriter (3 spaces between columns). */
export function table(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => widths[index] = Math.max(widths[index] ?? 0, [...cell].length));
  }
  return rows.map((row) =>
    row.map((cell, index) =>
      index === row.length - 1 ? cell : cell + " ".repeat(widths[index] - [...cell].length + 3)
    ).join("").trimEnd()
  ).join("\n") + "\n";
}

/**
 * Render rows with a `--format` value: `table ...` prints a header row
 * from `headers` and aligns columns, `json` prints each object as JSON,
 * anything else is a template per row.
 */
export function formatRows(
  format: string,
  rows: Record<string, unknown>[],
  headers: Record<string, string>,
): string {
  if (format === "json") return rows.map((row) => JSON.stringify(jsonView(row)) + "\n").join("");
  const isTable = format.startsWith("table");
  const source = (isTable ? format.slice(5).trim() : format).replace(/\\t/g, "\t").replace(
    /\\n/g,
    "\n",
  );
  const template = new GoTemplate(source);
  const lines = rows.map((row) => template.execute(row));
  if (!isTable) return lines.map((line) => line + "\n").join("");
  const header = new GoTemplate(source).execute(
    new Proxy({}, {
      has: () => true,
      get: (_, key) => headers[String(key)] ?? String(key).toUpperCase(),
    }),
  );
  return table([header, ...lines].map((line) => line.split("\t")));
}

/** An object without its function fields (for `--format json`). */
function jsonView(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => typeof value !== "function"));
}

/** A list command's --format: the flag's, where none or plain "table" means `standard`. */
export function listFormat(flags: Flags, standard: string): string {
  const format = flags.string("format");
  return format === undefined || format === "table" ? standard : format;
}

/** Labels as the list commands show them: `key=value,key=value`. */
export function labelsText(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`).join(",");
}
