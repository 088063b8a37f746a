/**
 * PortForward over SPDY (`portforward.k8s.io`): the client opens a pair of
 * streams per connection, an `error` and a `data` one, with the same
 * `requestID` and the `port` to reach. The connection is made inside the
 * pod's network namespace to 127.0.0.1:PORT (the daemon's thread enters it
 * just long enough to make the socket; the host's for host-network pods);
 * the data stream and the socket are then piped both ways, half-closes
 * passed on. A failure is told on the error stream, as upstream's words.
 * @module
 */

import net from "node:net";
import type { Duplex } from "node:stream";
import type { DaemonContext } from "../../daemon_context.ts";
import { errorMessage, log } from "../../logger.ts";
import { connectInNetns } from "../../system/libc.ts";
import { findSandbox } from "../cri_lookup.ts";
import type { CriMessage } from "../cri_call.ts";
import { SpdyConnection, type SpdyStream } from "./spdy_connection.ts";
import { STREAM_CREATION_TIMEOUT_MS } from "./command_streams.ts";

/** The protocol the client negotiates. */
export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** How long a connect inside the pod may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A pair in the making, by request id. */
interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: ReturnType<typeof setTimeout>;
}

/** Open a TCP connection to 127.0.0.1:`port` in the pod's network. */
async function dialPod(netns: string, port: number): Promise<net.Socket> {
  if (!netns) {
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return socket;
  }
  const fd = await connectInNetns(netns, port, CONNECT_TIMEOUT_MS);
  return new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
}

/** Pipe a data stream and a socket both ways until both directions end. */
function splice(data: SpdyStream, socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    let ended = 0;
    const oneEnded = () => {
      if (++ended === 2) resolve();
    };
    const finish = () => {
      socket.destroy();
      if (!data.destroyed) data.destroy();
      resolve();
    };
    data.pipe(socket, { end: true });
    socket.pipe(data as Duplex, { end: true });
    data.once("end", oneEnded);
    socket.once("end", oneEnded);
    socket.once("error", finish);
    data.once("error", finish);
    data.once("close", () => {
      if (!data.readableEnded || !data.writableFinished) finish();
    });
    socket.once("close", () => {
      if (ended < 2) {
        data.end();
        resolve();
      }
    });
  });
}

/** Serve one port-forward connection (SPDY on `socket`) for the pod `request` names. */
export function servePortForward(
  context: DaemonContext,
  request: CriMessage,
  socket: Duplex,
): Promise<void> {
  const podId = String(request.pod_sandbox_id);
  const pairs = new Map<string, StreamPair>();
  const connection = new SpdyConnection(socket, (stream) => {
    const type = stream.headers["streamtype"];
    // Clients before requestID paired streams by id: error, then data.
    const requestId = stream.headers["requestid"] ??
      String(type === "data" ? stream.id - 2 : stream.id);
    if (type !== "data" && type !== "error") {
      stream.destroy();
      return;
    }
    const pair = pairs.get(requestId) ?? {
      timer: setTimeout(() => {
        pairs.delete(requestId);
        pair.data?.destroy();
        pair.error?.destroy();
      }, STREAM_CREATION_TIMEOUT_MS),
    };
    pairs.set(requestId, pair);
    pair[type] = stream;
    if (!pair.data || !pair.error) return;
    clearTimeout(pair.timer);
    pairs.delete(requestId);
    forward(context, podId, pair.data, pair.error).catch((error) =>
      log.warn("port forward failed", { pod: podId, error: errorMessage(error) })
    );
  });
  return connection.closed;
}

/** One forwarded connection. */
async function forward(
  context: DaemonContext,
  podId: string,
  data: SpdyStream,
  error: SpdyStream,
): Promise<void> {
  error.resume(); // the client sends nothing on it
  const portText = data.headers["port"] ?? "";
  const port = Number(portText);
  const fail = (message: string) => {
    error.end(message);
    data.end();
    data.resume();
  };
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    return fail(`invalid port "${portText}"`);
  }
  const sandbox = findSandbox(context, podId);
  if (!sandbox?.isRunning) return fail(`pod sandbox ${podId} is not running`);
  const netns = sandbox.record.cri?.kind === "sandbox" ? sandbox.record.cri.netns ?? "" : "";
  let socket: net.Socket;
  try {
    socket = await dialPod(netns, port);
  } catch (cause) {
    return fail(
      `error forwarding port ${port} to pod ${podId}, uid : failed to connect to ` +
        `localhost:${port} inside the pod's network namespace: ${errorMessage(cause)}`,
    );
  }
  await splice(data, socket);
  error.end();
}
