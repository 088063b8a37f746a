/**
 * The processes of an exec: its own and every one it started, found among
 * its container's processes (the runtime's pid list, so a pid reused
 * outside the container is never touched) by their parent pids.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import { killProcess, readSystemFile } from "../system/libc.ts";

const SIGKILL = 9;

/** The parent pid in a /proc/PID/stat line (the field after the state, past the name). */
export function parentPidOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const parent = Number(fields[1]);
  return Number.isInteger(parent) ? parent : undefined;
}

/** `pid` and its descendants among `parents` (pid → parent pid), `pid` only if listed. */
export function processTree(pid: number, parents: Map<number, number>): number[] {
  if (!parents.has(pid)) return [];
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents) {
      if (!tree.has(child) && tree.has(parent)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return [...tree];
}

/**
 * Kill an exec's process and what it started, if they still run in
 * container `containerId`: once its shim is dead, nobody owns their output
 * or exit any more. Returns how many were killed.
 */
export async function killExecProcesses(
  context: DaemonContext,
  containerId: string,
  pid: number,
): Promise<number> {
  const container = context.containers.find(containerId);
  if (!container || pid <= 0) return 0;
  let pids: number[];
  try {
    pids = await context.runtimes.driver(container.record.runtime).pids(container.id);
  } catch (error) {
    log.debug("no processes to look at", { id: containerId, error: errorMessage(error) });
    return 0;
  }
  const parents = new Map<number, number>();
  for (const each of pids) {
    const parent = parentPidOf(readSystemFile(`/proc/${each}/stat`) ?? "");
    if (parent !== undefined) parents.set(each, parent);
  }
  const tree = processTree(pid, parents);
  for (const each of tree) killProcess(each, SIGKILL);
  return tree.length;
}
