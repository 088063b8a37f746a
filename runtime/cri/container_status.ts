/**
 * ContainerStatus and ListContainers.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getPodContainer, isPodContainer, type PodContainer } from "./cri_lookup.ts";
import { matchesSelector, nanosOf } from "./cri_values.ts";

/** The CRI state of a container. */
export function containerState(container: PodContainer): string {
  switch (container.state.Status) {
    case "created":
      return container.state.Error ? "CONTAINER_EXITED" : "CONTAINER_CREATED";
    case "running":
    case "paused":
    case "restarting":
      return "CONTAINER_RUNNING";
    case "exited":
    case "dead":
      return "CONTAINER_EXITED";
    default:
      return "CONTAINER_UNKNOWN";
  }
}

/** Why it exited, in the words kubelet knows. */
function exitReason(container: PodContainer): string {
  const { state } = container;
  if (containerState(container) !== "CONTAINER_EXITED") return "";
  if (state.OOMKilled) return "OOMKilled";
  if (state.Error && state.Status === "created") return "StartError";
  return state.ExitCode === 0 ? "Completed" : "Error";
}

/** The image id and the name the container was asked for. */
function imageFields(context: DaemonContext, container: PodContainer) {
  const image = context.images.byId(container.record.imageId);
  return {
    image: {
      image: container.record.cri.image,
      annotations: {},
      user_specified_image: container.record.cri.image,
    },
    image_ref: image?.repoDigests[0] ?? container.record.imageId,
    image_id: container.record.imageId,
  };
}

/** The Container of ListContainers. */
function containerSummary(context: DaemonContext, container: PodContainer): CriMessage {
  const info = container.record.cri;
  return {
    id: container.id,
    pod_sandbox_id: info.sandboxId,
    metadata: info.metadata,
    ...imageFields(context, container),
    state: containerState(container),
    created_at: info.createdAt,
    labels: info.labels,
    annotations: info.annotations,
  };
}

function podContainerStatus(
  context: DaemonContext,
  request: CriMessage,
): CriMessage {
  const container = getPodContainer(context, request.container_id);
  const info = container.record.cri;
  const { state } = container;
  const exited = containerState(container) === "CONTAINER_EXITED";
  const status = {
    ...containerSummary(context, container),
    started_at: nanosOf(state.StartedAt),
    finished_at: exited ? nanosOf(state.FinishedAt) : "0",
    exit_code: exited ? state.ExitCode : 0,
    reason: exitReason(container),
    message: state.Error,
    mounts: info.mounts,
    log_path: info.logPath,
    user: info.user
      ? {
        linux: {
          uid: String(info.user.uid),
          gid: String(info.user.gid),
          supplemental_groups: info.user.groups.map(String),
        },
      }
      : null,
  };
  const verbose = request.verbose
    ? {
      info: {
        info: JSON.stringify({
          pid: state.Pid,
          sandboxID: info.sandboxId,
          runtime: container.record.runtime,
          config: container.record.config,
          hostConfig: container.record.hostConfig,
        }),
      },
    }
    : {};
  return { status, ...verbose };
}

function listPodContainers(context: DaemonContext, request: CriMessage): CriMessage {
  const filter = request.filter ?? {};
  const containers = context.containers.list().filter(isPodContainer).filter((container) =>
    (!filter.id || container.id.startsWith(filter.id)) &&
    (!filter.pod_sandbox_id || container.record.cri.sandboxId.startsWith(filter.pod_sandbox_id)) &&
    (!filter.state || filter.state.state === containerState(container)) &&
    matchesSelector(container.record.cri.labels, filter.label_selector)
  );
  return { containers: containers.map((container) => containerSummary(context, container)) };
}

/** ContainerStatus, ListContainers. */
export const containerStatusHandlers: CriHandlers = {
  ContainerStatus: podContainerStatus,
  ListContainers: listPodContainers,
};
