/**
 * The CRI's part of a daemon start: each pod gets its shim groups back
 * (for the containers and execs it has yet to run), the pods whose holder
 * is gone but whose network was never torn down get their CNI DEL, and
 * the running ones a CNI CHECK.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { isSandbox } from "./cri_lookup.ts";
import { settlePodNetworks } from "./pod_network.ts";
import { addPodShims } from "./sandbox_run.ts";

/** Restore the pods' daemon-side state (after the store's containers are restored). */
export async function restorePods(context: DaemonContext): Promise<void> {
  for (const sandbox of context.containers.list().filter(isSandbox)) {
    addPodShims(context, sandbox.id, sandbox.record.cri);
  }
  await settlePodNetworks(context);
}
