/**
 * The namespaces a pod's processes join: a sandbox's holder joins its
 * pinned network namespace; a container joins its sandbox's IPC and UTS
 * namespaces, and its PID namespace when the pod shares one (or another
 * container's, for TARGET).
 * @module
 */

import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { Conflict } from "../errors.ts";

/** OCI namespace type → path to join, for a CRI container (undefined for others). */
export function podNamespacePaths(
  context: DaemonContext,
  container: Container,
): Record<string, string> | undefined {
  const cri = container.record.cri;
  if (!cri) return undefined;
  if (cri.kind === "sandbox") return cri.netns ? { network: cri.netns } : {};
  const sandbox = context.containers.find(cri.sandboxId);
  const pod = sandbox?.record.cri;
  if (!sandbox || pod?.kind !== "sandbox" || !sandbox.isRunning || !sandbox.state.Pid) {
    throw new Conflict(`the pod sandbox ${cri.sandboxId} is not running`);
  }
  const ns = (type: string, pid = sandbox.state.Pid) => `/proc/${pid}/ns/${type}`;
  const paths: Record<string, string> = {};
  if (pod.namespaces.ipc !== "NODE") paths.ipc = ns("ipc");
  if (pod.namespaces.network !== "NODE") paths.uts = ns("uts");
  if (cri.sharePid) paths.pid = ns("pid");
  const target = cri.pidTarget;
  if (target) {
    const joined = context.containers.find(target);
    if (!joined?.isRunning) throw new Conflict(`the target container ${target} is not running`);
    paths.pid = ns("pid", joined.state.Pid);
  }
  return paths;
}
