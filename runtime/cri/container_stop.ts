/**
 * StopContainer (the grace period, then SIGKILL) and RemoveContainer. Both
 * succeed for a container that does not exist or is stopped already:
 * kubelet retries them.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { stopContainer } from "../containers/stop.ts";
import { removeContainer } from "../containers/remove.ts";
import { NotModified } from "../errors.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { findPodContainer } from "./cri_lookup.ts";
import type { Container } from "../containers/container.ts";

/** Stop `container` with `grace` seconds, then SIGKILL; one stopped already is no error. */
export async function stopIdempotently(
  context: DaemonContext,
  container: Container,
  grace: number,
): Promise<void> {
  await stopContainer(context, container, grace).catch((error) => {
    if (!(error instanceof NotModified)) throw error;
  });
}

async function stopPodContainer(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const container = findPodContainer(context, request.container_id);
  if (container) await stopIdempotently(context, container, Number(request.timeout) || 0);
  return {};
}

async function removePodContainer(
  context: DaemonContext,
  request: CriMessage,
): Promise<CriMessage> {
  const container = findPodContainer(context, request.container_id);
  if (!container || container.removing) return {};
  await removeContainer(context, container, { force: true, volumes: true });
  return {};
}

/** StopContainer, RemoveContainer. */
export const containerStopHandlers: CriHandlers = {
  StopContainer: stopPodContainer,
  RemoveContainer: removePodContainer,
};
