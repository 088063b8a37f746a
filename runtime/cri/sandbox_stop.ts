/**
 * StopPodSandbox and RemovePodSandbox. Both succeed for a pod that does
 * not exist, or is stopped already: kubelet retries them.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { removeContainer } from "../containers/remove.ts";
import { errorMessage, log } from "../logger.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { containersOf, findSandbox, type Sandbox } from "./cri_lookup.ts";
import { detachPodNetwork, removePodNetns } from "./pod_network.ts";
import { stopIdempotently } from "./container_stop.ts";

/**
 * Stop every container of the pod, then its holder; tear its network down
 * and unpin its namespace. The record says STOPPED from then on.
 */
export async function stopPod(context: DaemonContext, sandbox: Sandbox): Promise<void> {
  // Now: kubelet stops a pod's containers itself, with their grace, before.
  await Promise.all(
    containersOf(context, sandbox.id).map((container) => stopIdempotently(context, container, 0)),
  );
  await stopIdempotently(context, sandbox, 0);
  await detachPodNetwork(context, sandbox);
  if (sandbox.record.cri.netns) await removePodNetns(sandbox.record.cri.netns);
  if (!sandbox.record.cri.stopped) {
    sandbox.record.cri.stopped = true;
    await sandbox.save();
  }
}

async function stopPodSandbox(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const sandbox = findSandbox(context, request.pod_sandbox_id);
  if (sandbox) await stopPod(context, sandbox);
  return {};
}

async function removePodSandbox(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const sandbox = findSandbox(context, request.pod_sandbox_id);
  if (!sandbox) return {};
  await stopPod(context, sandbox);
  for (const container of containersOf(context, sandbox.id)) {
    await removeContainer(context, container, { force: true, volumes: true }).catch((error) =>
      log.warn("removing a pod's container failed", {
        id: container.id,
        error: errorMessage(error),
      })
    );
  }
  if (!sandbox.removing) await removeContainer(context, sandbox, { force: true, volumes: true });
  await context.shimPool.removeOwner(sandbox.id);
  return {};
}

/** StopPodSandbox, RemovePodSandbox. */
export const sandboxStopHandlers: CriHandlers = {
  StopPodSandbox: stopPodSandbox,
  RemovePodSandbox: removePodSandbox,
};
