/**
 * The Docker Engine API over a unix socket. node:http because it can hand
 * over the raw connection after a 101 (attach and exec need that) and handles
 * keep-alive and chunked bodies; the routes are in routes.ts.
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, BadRequest } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import {
  API_VERSION,
  ClientGone,
  commonHeaders,
  compareVersions,
  MIN_API_VERSION,
  readJson,
  sendError,
  sendJson,
} from "./http.ts";
import { concatBytes } from "../../lib/bytes.ts";
import { findHijackRoute, findRoute } from "./routes.ts";
import { JsonBodyReader } from "./json_body.ts";
import { listenServerPrivately } from "./socket_file.ts";

/** Path without the version prefix, and the version (the newest when absent). */
function splitVersion(url: URL): { path: string; version: string } {
  const versioned = /^\/v(\d+\.\d+)(\/.*)$/.exec(url.pathname);
  if (!versioned) return { path: url.pathname, version: API_VERSION };
  const version = versioned[1];
  if (compareVersions(version, API_VERSION) > 0) {
    throw new BadRequest(
      `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new BadRequest(
      `client version ${version} is too old. Minimum supported API version is ` +
        `${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return { path: versioned[2], version };
}

function logFailure(url: URL, error: unknown): void {
  if (error instanceof ClientGone) {
    log.debug("client went away mid-request", { path: url.pathname });
  } else if (!(error instanceof ApiError) || error.status >= 500) {
    log.error("request failed", { path: url.pathname, error: errorMessage(error) });
  }
}

/**
 * A client's connection failed (reset, closed mid-stream): that ends its
 * request, and only its request. Every stream of a request gets this as an
 * `error` listener from the start, since an `error` event nobody listens
 * to would take the whole daemon down.
 */
function clientGone(url: URL): (error: unknown) => void {
  return (error) =>
    log.debug("client connection ended", { path: url.pathname, error: errorMessage(error) });
}

async function dispatch(context: DaemonContext, req: IncomingMessage, res: ServerResponse) {
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  const url = new URL(req.url ?? "/", "http://berth");
  const gone = clientGone(url);
  req.on("error", gone);
  res.on("error", gone);
  log.debug("request", { method: req.method, path: url.pathname + url.search });
  try {
    const { path, version } = splitVersion(url);
    const method = req.method ?? "GET";
    const hijack = findHijackRoute(method, path);
    if (hijack) {
      // No Upgrade header: the body is the request's JSON (read whole
      // first: the stream below would compete for it), and the session
      // streams as the response body.
      const body = await readJson(req);
      // (Node's types want web streams here; Node's streams are what it takes.)
      const socket = Duplex.from(
        { readable: req, writable: res } as unknown as Parameters<typeof Duplex.from>[0],
      );
      socket.on("error", gone);
      await hijack.handler({
        context,
        req,
        socket,
        params: hijack.params,
        query: url.searchParams,
        respond: (contentType) => {
          res.writeHead(200, { ...commonHeaders(), "Content-Type": contentType });
          res.flushHeaders();
        },
        respondEmpty: () => {
          res.writeHead(200, { ...commonHeaders(), "Content-Length": "0" });
          res.end();
        },
        body: () => Promise.resolve(body),
      });
      return;
    }
    const route = findRoute(method, path);
    if (!route) throw new ApiError(404, `page not found: ${method} ${url.pathname}`);
    const result = await route.handler({
      context,
      req,
      res,
      params: route.params,
      query: url.searchParams,
      version,
      signal: controller.signal,
    });
    if (result) {
      if (result.body === undefined) {
        res.writeHead(result.status, commonHeaders());
        res.end();
      } else sendJson(res, result.status, result.body);
    }
  } catch (error) {
    logFailure(url, error);
    sendError(res, error);
  }
}

/** An error answer written by hand on a connection node:http has let go of. */
function rawError(socket: Duplex, error: unknown): void {
  const status = error instanceof ApiError ? error.status : 500;
  const body = JSON.stringify({ message: errorMessage(error) }) + "\n";
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" + body,
  );
}

/**
 * The body of an upgrade request (Content-Length bytes, JSON). Node puts
 * what follows the head in `head`; Deno's node:http hands the bytes that
 * came with the head to `req`, and later ones to the socket. Anything past
 * the body is put back for the stream.
 */
async function readUpgradeBody(
  req: IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
): Promise<unknown> {
  const length = Number(req.headers["content-length"] ?? 0);
  JsonBodyReader.checkDeclaredLength(length);
  const parts = [head];
  let received = head.length;
  if (received < length) {
    await new Promise<void>((resolve) => {
      const onData = (chunk: Uint8Array) => {
        parts.push(chunk);
        received += chunk.length;
        if (received >= length) done();
      };
      const done = () => {
        clearTimeout(timer);
        req.off("data", onData);
        socket.off("data", onData);
        socket.off("end", done);
        socket.pause();
        resolve();
      };
      const timer = setTimeout(done, 5000);
      req.on("data", onData);
      socket.on("data", onData);
      socket.once("end", done);
    });
  }
  const data = concatBytes(parts);
  if (data.length > length) socket.unshift(data.subarray(length));
  if (data.length < length) throw new BadRequest("the request body was cut short");
  const reader = new JsonBodyReader();
  reader.push(data.subarray(0, length));
  return reader.finish();
}

async function dispatchUpgrade(
  context: DaemonContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
) {
  const url = new URL(req.url ?? "/", "http://berth");
  socket.on("error", clientGone(url));
  log.debug("upgrade request", { method: req.method, path: url.pathname + url.search });
  let responded = false;
  try {
    const { path } = splitVersion(url);
    const hijack = findHijackRoute(req.method ?? "GET", path);
    if (!hijack) throw new BadRequest(`${url.pathname} does not take an upgrade`);
    const body = await readUpgradeBody(req, socket, head);
    await hijack.handler({
      context,
      req,
      socket,
      params: hijack.params,
      query: url.searchParams,
      body: () => Promise.resolve(body),
      respondEmpty: () => {
        responded = true;
        const headers = Object.entries({ ...commonHeaders(), "Content-Length": "0" })
          .map(([name, value]) => `${name}: ${value}\r\n`).join("");
        socket.end(`HTTP/1.1 200 OK\r\n${headers}\r\n`);
      },
      respond: (contentType) => {
        responded = true;
        socket.write(
          "HTTP/1.1 101 UPGRADED\r\n" +
            `Content-Type: ${contentType}\r\n` +
            "Connection: Upgrade\r\n" +
            "Upgrade: tcp\r\n\r\n",
        );
      },
    });
  } catch (error) {
    logFailure(url, error);
    if (responded) socket.destroy();
    else rawError(socket, error);
  }
}

/** The gid of a group name or number, from /etc/group (the sockets' group). */
export async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await Deno.readTextFile("/etc/group").catch(() => "");
  const line = text.split("\n").find((entry) => entry.split(":")[0] === group);
  if (!line) throw new Error(`group ${group} not found in /etc/group`);
  return Number(line.split(":")[2]);
}

/** Longest request head (request line and headers) read; longer ones get a 431. */
export const MAX_HEADER_BYTES = 64 * 1024;
/**
 * How long a connection may take to send a request's head, counted from
 * when it connects or its last answer ended (so also how long it may sit
 * idle between requests). Answers and hijacked streams are never timed.
 */
export const HEADERS_TIMEOUT_MS = 60_000;

/** Close connections that take longer than {@link HEADERS_TIMEOUT_MS} to send a request head. */
function timeHeaders(server: Server): void {
  const timers = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  const arm = (socket: Socket) => {
    clearTimeout(timers.get(socket));
    timers.set(socket, setTimeout(() => socket.destroy(), HEADERS_TIMEOUT_MS));
  };
  const disarm = (socket: Socket) => clearTimeout(timers.get(socket));
  server.on("connection", (socket: Socket) => {
    arm(socket);
    socket.once("close", () => disarm(socket));
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    disarm(req.socket);
    res.once("close", () => {
      if (!req.socket.destroyed) arm(req.socket);
    });
  });
  server.on("upgrade", (req: IncomingMessage) => disarm(req.socket));
}

/**
 * Serve the API on a unix socket (mode 0660, group --group); resolves once
 * listening. Requests are bounded: heads at {@link MAX_HEADER_BYTES} and
 * {@link HEADERS_TIMEOUT_MS}, JSON bodies as json_body.ts says.
 */
export async function serveApi(context: DaemonContext, socketPath: string): Promise<Server> {
  const failed = (error: unknown) =>
    log.error("answering a request failed", { error: errorMessage(error) });
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    dispatch(context, req, res).catch((error) => {
      failed(error);
      res.destroy();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Uint8Array) => {
    dispatchUpgrade(context, req, socket, head).catch((error) => {
      failed(error);
      socket.destroy();
    });
  });
  // node:http's own timeouts: Deno's node:http does not apply them.
  server.keepAliveTimeout = 0;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  timeHeaders(server);
  const gid = context.flags.group ? await groupId(context.flags.group) : undefined;
  await listenServerPrivately(
    server,
    socketPath,
    { mode: 0o660, gid },
  );
  return server;
}
