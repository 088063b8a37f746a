/**
 * The CRI server: runtime.v1's RuntimeService and ImageService over gRPC
 * (grpc-js) on a unix socket of its own, beside the Docker API socket.
 * Each RPC family has its own module (sandbox_run.ts, container_create.ts,
 * image_pull.ts, ...); this one routes calls to them and turns errors
 * into gRPC statuses.
 * @module
 */

// deno-lint-ignore no-import-prefix
import * as grpc from "npm:@grpc/grpc-js@1.14.0"; // named in full: see cri_schema.ts
import { createServer, type Server as NetServer } from "node:net";
import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import { listenServerPrivately } from "../api/socket_file.ts";
import { groupId } from "../api/server.ts";
import { loadCriServices } from "./cri_schema.ts";
import { grpcStatusOf } from "./grpc_status.ts";
import { fixLegacyAuthority } from "./legacy_authority.ts";
import type { CriCall, CriHandlers, CriMessage, CriStreamHandlers } from "./cri_call.ts";
import { runtimeInfoHandlers } from "./runtime_info.ts";
import { imageStatusHandlers } from "./image_status.ts";
import { imagePullHandlers } from "./image_pull.ts";
import { imageRemoveHandlers } from "./image_remove.ts";
import { imageFsInfoHandlers } from "./image_fs_info.ts";
import { sandboxRunHandlers } from "./sandbox_run.ts";
import { sandboxStopHandlers } from "./sandbox_stop.ts";
import { sandboxStatusHandlers } from "./sandbox_status.ts";
import { sandboxStatsHandlers } from "./sandbox_stats.ts";
import { containerCreateHandlers } from "./container_create.ts";
import { containerStartHandlers } from "./container_start.ts";
import { containerStopHandlers } from "./container_stop.ts";
import { containerStatusHandlers } from "./container_status.ts";
import { containerUpdateHandlers } from "./container_update.ts";
import { containerExecHandlers } from "./container_exec.ts";
import { containerStatsHandlers } from "./container_stats.ts";
import { containerEventsHandlers } from "./container_events.ts";
import { streamRequestHandlers } from "./stream_requests.ts";
import { serveStreaming } from "./streaming/stream_server.ts";

/** A running CRI server. */
export interface CriServer {
  /** The streaming server's address (host:port). */
  streamAddress: string;
  close(): Promise<void>;
}

const RUNTIME_HANDLERS: CriHandlers = {
  ...runtimeInfoHandlers,
  ...sandboxRunHandlers,
  ...sandboxStopHandlers,
  ...sandboxStatusHandlers,
  ...sandboxStatsHandlers,
  ...containerCreateHandlers,
  ...containerStartHandlers,
  ...containerStopHandlers,
  ...containerStatusHandlers,
  ...containerUpdateHandlers,
  ...containerExecHandlers,
  ...containerStatsHandlers,
};

const RUNTIME_STREAMS: CriStreamHandlers = { ...containerEventsHandlers };

const IMAGE_HANDLERS: CriHandlers = {
  ...imageStatusHandlers,
  ...imagePullHandlers,
  ...imageRemoveHandlers,
  ...imageFsInfoHandlers,
};

/** What a call's facts are read from (unary and streaming calls alike). */
interface GrpcCall {
  getDeadline(): grpc.Deadline;
  on(event: "cancelled", listener: () => void): unknown;
}

function callOf(call: GrpcCall): CriCall {
  const deadline = call.getDeadline();
  const abort = new AbortController();
  call.on("cancelled", () => abort.abort());
  return {
    deadline: deadline instanceof Date
      ? deadline.getTime()
      : deadline === Infinity
      ? undefined
      : Number(deadline),
    signal: abort.signal,
  };
}

/** grpc-js implementations of `handlers`: every method the service has (the rest Unimplemented). */
function implementations(
  context: DaemonContext,
  handlers: CriHandlers,
  streams: CriStreamHandlers,
): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const started = performance.now();
      Promise.resolve().then(() => handler(context, call.request as CriMessage, callOf(call))).then(
        (response) => {
          log.debug("cri call", { method, ms: Math.round(performance.now() - started) });
          callback(null, response);
        },
        (error) => {
          const status = grpcStatusOf(error);
          log.debug("cri call failed", { method, code: status.code, error: status.details });
          callback(status);
        },
      );
    };
  }
  for (const [method, handler] of Object.entries(streams)) {
    implementation[method] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
      handler(
        context,
        call.request as CriMessage,
        callOf(call as unknown as GrpcCall),
        (message) => {
          call.write(message);
        },
      ).then(
        () => call.end(),
        (error) => call.destroy(Object.assign(new Error(errorMessage(error)), grpcStatusOf(error))),
      );
    };
  }
  return implementation;
}

/** Serve the CRI on `path` (mode 0660, the API socket's group). */
export async function serveCri(context: DaemonContext, path: string): Promise<CriServer> {
  const services = loadCriServices();
  const streaming = await serveStreaming(context, context.flags.criStreamAddress);
  const server = new grpc.Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  server.addService(
    services.runtime,
    implementations(
      context,
      { ...RUNTIME_HANDLERS, ...streamRequestHandlers(streaming) },
      RUNTIME_STREAMS,
    ),
  );
  server.addService(services.image, implementations(context, IMAGE_HANDLERS, {}));
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener: NetServer = createServer((socket) => {
    injector.injectConnection(fixLegacyAuthority(socket));
  });
  const gid = context.flags.group ? await groupId(context.flags.group) : undefined;
  await listenServerPrivately(listener, path, { mode: 0o660, gid });
  return {
    streamAddress: streaming.address,
    async close() {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      injector.destroy();
      server.forceShutdown();
      await streaming.close();
      await Deno.remove(path).catch(() => {});
    },
  };
}
