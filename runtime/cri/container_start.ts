/**
 * StartContainer.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { startContainer } from "../containers/start.ts";
import { NotModified } from "../errors.ts";
import { errorMessage } from "../logger.ts";
import { GrpcCode, GrpcError } from "./grpc_status.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getPodContainer, getSandbox, sandboxReady } from "./cri_lookup.ts";

async function startPodContainer(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const container = getPodContainer(context, request.container_id);
  if (container.state.Status !== "created") {
    throw new GrpcError(
      GrpcCode.UNKNOWN,
      `container ${container.id} is in ${container.state.Status} state: only a created one starts`,
    );
  }
  if (!sandboxReady(getSandbox(context, container.record.cri.sandboxId))) {
    throw new GrpcError(GrpcCode.FAILED_PRECONDITION, "the container's pod sandbox is not ready");
  }
  try {
    await startContainer(context, container);
  } catch (error) {
    if (error instanceof NotModified) return {};
    throw new GrpcError(GrpcCode.UNKNOWN, `failed to start container: ${errorMessage(error)}`);
  }
  return {};
}

/** StartContainer. */
export const containerStartHandlers: CriHandlers = {
  StartContainer: startPodContainer,
};
