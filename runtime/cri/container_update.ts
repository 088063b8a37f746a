/**
 * UpdateContainerResources (the runtime's `update`, as docker's) and
 * ReopenContainerLog (the shim opens the log file again: kubelet has
 * rotated it).
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { shimStateDir } from "../daemon_context.ts";
import { updateContainer } from "../containers/update.ts";
import { SHIM_FILES } from "../../protocol/shim_protocol.ts";
import { ShimConnection } from "../shims/shim_client.ts";
import { errorMessage } from "../logger.ts";
import { GrpcCode, GrpcError } from "./grpc_status.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getPodContainer } from "./cri_lookup.ts";
import { hostResources } from "./container_create.ts";

async function updateResources(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const container = getPodContainer(context, request.container_id);
  await updateContainer(context, container, hostResources(request.linux));
  return {};
}

async function reopenLog(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const container = getPodContainer(context, request.container_id);
  if (!container.isRunning) {
    throw new GrpcError(GrpcCode.FAILED_PRECONDITION, `container ${container.id} is not running`);
  }
  const socket = `${shimStateDir(context, container.id)}/${SHIM_FILES.control}`;
  let connection: ShimConnection;
  try {
    connection = await ShimConnection.connect(socket);
  } catch {
    throw new GrpcError(GrpcCode.FAILED_PRECONDITION, `container ${container.id} is not running`);
  }
  try {
    await connection.hello();
    await connection.reopenLog(container.id);
  } catch (error) {
    throw new GrpcError(GrpcCode.UNKNOWN, `failed to reopen the log: ${errorMessage(error)}`);
  } finally {
    connection.close();
  }
  return {};
}

/** UpdateContainerResources, ReopenContainerLog. */
export const containerUpdateHandlers: CriHandlers = {
  UpdateContainerResources: updateResources,
  ReopenContainerLog: reopenLog,
};
