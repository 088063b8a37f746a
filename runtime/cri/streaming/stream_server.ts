/**
 * The CRI streaming server, as upstream's (containerd and CRI-O embed
 * Kubernetes' one): HTTP on `--cri-stream-address`, where the URLs that
 * Exec, Attach and PortForward return lead. `/exec/{token}`,
 * `/attach/{token}` and `/portforward/{token}` (GET or POST) consume
 * their token and upgrade to SPDY/3.1 (with X-Stream-Protocol-Version
 * negotiation) or to WebSocket (the channel protocol for commands,
 * SPDY tunnelled in binary messages for port-forward).
 * @module
 */

import http from "node:http";
import type { Duplex } from "node:stream";
import type { DaemonContext } from "../../daemon_context.ts";
import { errorMessage, log } from "../../logger.ts";
import { RequestCache, type StreamRequest } from "./request_cache.ts";
import {
  COMMAND_PROTOCOLS,
  type CommandOptions,
  type CommandStreams,
  protocolVersion,
  spdyCommandStreams,
  WEBSOCKET_COMMAND_PROTOCOLS,
  webSocketCommandStreams,
} from "./command_streams.ts";
import { serveAttach, serveExec } from "./remote_command.ts";
import { PORT_FORWARD_PROTOCOL, servePortForward } from "./port_forward.ts";
import { acceptKey, WebSocketTunnel } from "./websocket.ts";

/** The WebSocket subprotocol of SPDY tunnelled port-forward. */
const TUNNELED_PORT_FORWARD = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
const ROUTE = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)(?:\?.*)?$/;

/** A running streaming server. */
export interface StreamingServer {
  /** Keep `request` under a new token; the URL its client connects to. */
  urlFor(request: StreamRequest): string;
  /** The address it listens on, `host:port`. */
  address: string;
  close(): Promise<void>;
}

/** Split `host:port` (`[v6]:port` too); port 0 picks a free one. */
export function parseStreamAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`"${address}" is not HOST:PORT (e.g. 127.0.0.1:0)`);
  }
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
}

/** Answer a request that will not be upgraded, and close. */
function refuse(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const reason = http.STATUS_CODES[status] ?? "Error";
  const body = `${message}\n`;
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `X-Content-Type-Options: nosniff\r\n${extra}Content-Length: ${
        new TextEncoder().encode(body).length
      }\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The header's comma-separated values (node joins repeated headers with ", "). */
function headerValues(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(",") : value ?? "";
  return joined.split(",").map((item) => item.trim()).filter(Boolean);
}

/** The streams a command's request asks for. */
function commandOptions(request: StreamRequest["request"]): CommandOptions {
  return {
    stdin: Boolean(request.stdin),
    stdout: Boolean(request.stdout),
    stderr: Boolean(request.stderr),
    tty: Boolean(request.tty),
  };
}

async function runCommand(
  context: DaemonContext,
  entry: StreamRequest,
  streams: Promise<CommandStreams> | CommandStreams,
): Promise<void> {
  const ready = await streams;
  if (entry.kind === "exec") await serveExec(context, entry.request, ready);
  else await serveAttach(context, entry.request, ready);
}

function upgradeSpdy(
  context: DaemonContext,
  entry: StreamRequest,
  request: http.IncomingMessage,
  socket: Duplex,
): Promise<void> | undefined {
  const offered = headerValues(request.headers["x-stream-protocol-version"]);
  if (offered.length === 0) {
    refuse(socket, 400, "unable to upgrade: header X-Stream-Protocol-Version does not exist");
    return;
  }
  const supported = entry.kind === "portforward" ? [PORT_FORWARD_PROTOCOL] : COMMAND_PROTOCOLS;
  const protocol = offered.find((name) => supported.includes(name));
  if (!protocol) {
    refuse(
      socket,
      403,
      `unable to upgrade: unable to negotiate protocol: client supports [${
        offered.join(" ")
      }], server accepts [${supported.join(" ")}]`,
      { "X-Accepted-Stream-Protocol-Versions": supported.join(", ") },
    );
    return;
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  if (entry.kind === "portforward") return servePortForward(context, entry.request, socket);
  const version = protocolVersion(protocol);
  return runCommand(
    context,
    entry,
    spdyCommandStreams(socket, commandOptions(entry.request), version),
  );
}

function upgradeWebSocket(
  context: DaemonContext,
  entry: StreamRequest,
  request: http.IncomingMessage,
  socket: Duplex,
): Promise<void> | undefined {
  const key = request.headers["sec-websocket-key"];
  if (typeof key !== "string" || request.headers["sec-websocket-version"] !== "13") {
    refuse(socket, 400, "Bad Request: not a WebSocket version 13 handshake");
    return;
  }
  const offered = headerValues(request.headers["sec-websocket-protocol"]);
  const supported = entry.kind === "portforward"
    ? [TUNNELED_PORT_FORWARD]
    : WEBSOCKET_COMMAND_PROTOCOLS;
  const protocol = offered.find((name) => supported.includes(name));
  // A command client that names no protocol gets the first one (channel.k8s.io).
  if (!protocol && (offered.length > 0 || entry.kind === "portforward")) {
    refuse(
      socket,
      400,
      `unable to upgrade: no supported WebSocket protocol in [${offered.join(" ")}]`,
    );
    return;
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") + "\r\n",
  );
  if (entry.kind === "portforward") {
    return servePortForward(context, entry.request, new WebSocketTunnel(socket));
  }
  const version = protocolVersion(protocol ?? "channel.k8s.io");
  return runCommand(
    context,
    entry,
    webSocketCommandStreams(socket, commandOptions(entry.request), version),
  );
}

/** The request a URL's token stands for, consumed; undefined for other paths and kinds. */
function takeRequest(cache: RequestCache, url: string | undefined): StreamRequest | undefined {
  const route = ROUTE.exec(url ?? "");
  const entry = route ? cache.consume(route[2]) : undefined;
  return entry?.kind === route?.[1] ? entry : undefined;
}

function handleUpgrade(
  context: DaemonContext,
  cache: RequestCache,
  request: http.IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
): void {
  if (request.method !== "GET" && request.method !== "POST") {
    refuse(socket, 405, "405 method not allowed");
    return;
  }
  const entry = takeRequest(cache, request.url);
  if (!entry) {
    refuse(socket, 404, "404 page not found");
    return;
  }
  (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  if (head.length > 0) socket.unshift(head);
  socket.on("error", () => {}); // a vanished client ends its session, nothing more
  const upgrade = String(request.headers.upgrade ?? "").toLowerCase();
  const connection = String(request.headers.connection ?? "").toLowerCase();
  let served: Promise<void> | undefined;
  if (upgrade === "websocket") served = upgradeWebSocket(context, entry, request, socket);
  else if (upgrade.includes("spdy/3.1") && connection.includes("upgrade")) {
    served = upgradeSpdy(context, entry, request, socket);
  } else refuse(socket, 400, "unable to upgrade: missing upgrade headers in request");
  served?.catch((error) => {
    log.warn("streaming session failed", { kind: entry.kind, error: errorMessage(error) });
    socket.destroy();
  });
}

/** Listen on `address` (host:port) and serve the streaming routes. */
export async function serveStreaming(
  context: DaemonContext,
  address: string,
): Promise<StreamingServer> {
  const { host, port } = parseStreamAddress(address);
  const cache = new RequestCache();
  const server = http.createServer((request, response) => {
    const status = takeRequest(cache, request.url) ? 400 : 404;
    response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
    response.end(
      status === 400
        ? "unable to upgrade: missing upgrade headers in request\n"
        : "404 page not found\n",
    );
  });
  server.on(
    "upgrade",
    (request, socket: Duplex, head: Uint8Array) =>
      handleUpgrade(context, cache, request, socket, head),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  // A wildcard address is reached on the loopback (the kubelet runs on this node).
  const urlHost = host === "0.0.0.0" || host === "::"
    ? "127.0.0.1"
    : host.includes(":")
    ? `[${host}]`
    : host;
  const base = `http://${urlHost}:${boundPort}`;
  return {
    address: `${urlHost}:${boundPort}`,
    urlFor(request) {
      return `${base}/${request.kind}/${cache.insert(request)}`;
    },
    close() {
      // Sessions in progress end with the daemon: no waiting for them.
      server.close();
      server.closeAllConnections?.();
      return Promise.resolve();
    },
  };
}
