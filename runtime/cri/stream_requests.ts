/**
 * Exec, Attach and PortForward: each request is checked, kept in the
 * streaming server's cache under a single-use token, and answered with
 * the URL its client (the kubelet, crictl) connects to.
 * @module
 */

import { GrpcCode, GrpcError, invalidArgument } from "./grpc_status.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getPodContainer, getSandbox } from "./cri_lookup.ts";
import type { StreamingServer } from "./streaming/stream_server.ts";
import { type StreamRequest, TooManyRequests } from "./streaming/request_cache.ts";

/** The stream choices upstream refuses. */
function checkStreams(request: CriMessage): void {
  if (request.tty && request.stderr) {
    throw invalidArgument("tty and stderr cannot both be true");
  }
  if (!request.stdin && !request.stdout && !request.stderr) {
    throw invalidArgument("one of stdin, stdout, or stderr must be set");
  }
}

function url(streaming: StreamingServer, request: StreamRequest): CriMessage {
  try {
    return { url: streaming.urlFor(request) };
  } catch (error) {
    if (error instanceof TooManyRequests) {
      throw new GrpcError(GrpcCode.RESOURCE_EXHAUSTED, error.message);
    }
    throw error;
  }
}

/** The three RPCs, over the streaming server `streaming`. */
export function streamRequestHandlers(streaming: StreamingServer): CriHandlers {
  return {
    Exec(context, request) {
      const container = getPodContainer(context, request.container_id);
      if (!request.cmd?.length) throw invalidArgument("cmd must not be empty");
      checkStreams(request);
      if (!container.isRunning) {
        throw new GrpcError(
          GrpcCode.FAILED_PRECONDITION,
          `container ${container.id} is not running`,
        );
      }
      return url(streaming, { kind: "exec", request });
    },
    Attach(context, request) {
      const container = getPodContainer(context, request.container_id);
      checkStreams(request);
      if (!container.isRunning) {
        throw new GrpcError(
          GrpcCode.FAILED_PRECONDITION,
          `container ${container.id} is not running`,
        );
      }
      return url(streaming, { kind: "attach", request });
    },
    PortForward(context, request) {
      const sandbox = getSandbox(context, request.pod_sandbox_id);
      if (!sandbox.isRunning) {
        throw new GrpcError(GrpcCode.FAILED_PRECONDITION, `pod sandbox ${sandbox.id} is not ready`);
      }
      for (const port of request.port ?? []) {
        if (!(port > 0 && port < 65536)) throw invalidArgument(`invalid port ${port}`);
      }
      return url(streaming, { kind: "portforward", request });
    },
  };
}
