/**
 * GET /containers/{id}/top?ps_args=: the pids come from the runtime (`ps
 * --format json`), the rows from the host's ps with the caller's arguments
 * (default -ef) limited to those pids. Works for images without a ps.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, Conflict } from "../errors.ts";
import type { Container } from "./container.ts";

/** docker's top answer. */
export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

async function ps(args: string[]): Promise<{ ok: boolean; text: string; error: string }> {
  const output = await new Deno.Command("ps", { args, stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  return {
    ok: output.success,
    text: decoder.decode(output.stdout),
    error: decoder.decode(output.stderr).trim(),
  };
}

/**
 * Rows of ps output whose PID is in `pids`, with the thread rows (PID "-",
 * as `ps m` prints them) that follow a kept row.
 */
export function filterPsOutput(text: string, pids: Set<number>): TopResult {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new ApiError(500, "ps printed nothing");
  const titles = lines[0].trim().split(/\s+/);
  const pidColumn = titles.indexOf("PID");
  if (pidColumn < 0) throw new ApiError(500, "Couldn't find PID field in ps output");
  const processes: string[][] = [];
  let keptLast = false;
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    // The last column (the command) may hold spaces.
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")];
    const pid = row[pidColumn];
    const keep: boolean = pids.has(Number(pid)) || (pid === "-" && keptLast);
    keptLast = keep;
    if (keep) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

/** The processes of a running container. */
export async function topContainer(
  context: DaemonContext,
  container: Container,
  psArgs: string,
): Promise<TopResult> {
  if (!container.isRunning) throw new Conflict(`Container ${container.id} is not running`);
  const pids = await context.runtimes.driver(container.record.runtime).pids(container.id);
  const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ["-ef"];
  // Ask ps for just those pids; options it cannot combine with -q fall back
  // to a full listing, filtered here.
  let result = await ps([...args, "-q", pids.join(",")]);
  if (!result.ok) result = await ps(args);
  if (!result.ok) throw new ApiError(500, `ps ${args.join(" ")} failed: ${result.error}`);
  return filterPsOutput(result.text, new Set(pids));
}
