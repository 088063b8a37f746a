/**
 * What API handlers share: the request type, and helpers to read bodies and
 * parameters and to answer in docker's shapes.
 * @module
 */

import { parseGoDuration } from "../../lib/units.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { parseRfc3339 } from "../../protocol/timestamp.ts";
import { BERTH_VERSION } from "../../protocol/version.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, BadRequest, RequestTimeout } from "../errors.ts";
import { JsonBodyReader } from "./json_body.ts";
import { errorMessage, log } from "../logger.ts";

/** The newest API version berth speaks. */
export const API_VERSION = "1.47";
/** The oldest API version berth accepts. */
export const MIN_API_VERSION = "1.24";

/** One API request as handlers see it. */
export interface ApiRequest {
  context: DaemonContext;
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  /** API version of the request (from the path, else the newest). */
  version: string;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

/** What a handler returns: a JSON body, or nothing when it answered itself. */
export type ApiResult = { status: number; body?: unknown } | void;

/** A route handler. */
export type Handler = (request: ApiRequest) => Promise<ApiResult> | ApiResult;

export function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split(".").map(Number);
  const [bMajor, bMinor] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Headers docker sends on every answer. */
export function commonHeaders(): Record<string, string> {
  return {
    "Api-Version": API_VERSION,
    "Docker-Experimental": "false",
    "Ostype": "linux",
    "Server": `Berth/${BERTH_VERSION} (linux)`,
  };
}

/** Answer with JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, {
    ...commonHeaders(),
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Answer an error in docker's shape. */
export function sendError(res: ServerResponse, error: unknown): void {
  const status = error instanceof ApiError ? error.status : 500;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304, commonHeaders());
    res.end();
    return;
  }
  // A request refused before its body was all read (too large, stalled,
  // malformed): the rest is never read, so the connection cannot carry another.
  if (res.req && !res.req.complete) res.setHeader("Connection", "close");
  sendJson(res, status, { message: errorMessage(error) });
}

/**
 * Answer with a tar that `produce` streams: it may call `start` with extra
 * headers before its first chunk (else the first chunk starts the answer).
 * An error before the answer starts is the request's error (an HTTP
 * status); after it the connection is cut, so the client sees a broken
 * archive rather than a short one.
 */
export async function sendTar(
  res: ServerResponse,
  what: string,
  produce: (
    start: (headers?: Record<string, string>) => void,
    write: (chunk: Uint8Array) => Promise<void>,
  ) => Promise<void>,
): Promise<void> {
  let started = false;
  const start = (headers: Record<string, string> = {}) => {
    if (started) return;
    res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/x-tar", ...headers });
    started = true;
  };
  try {
    await produce(start, (chunk) => {
      start();
      return writeChunk(res, chunk);
    });
  } catch (error) {
    if (!started) throw error;
    log.warn(`${what} failed mid-stream`, { error: errorMessage(error) });
    res.destroy();
    return;
  }
  start();
  res.end();
}

/** Write to a response, waiting when the client is slow. */
export function writeChunk(res: ServerResponse, chunk: Uint8Array | string): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error("client went away"));
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      res.off("drain", onDrain);
      res.off("close", onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error("client went away"));
    };
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/** The client went away before its request was read: nobody to answer. */
export class ClientGone extends Error {
  constructor() {
    super("the client closed the connection mid-request");
  }
}

/** How long a JSON request body may pause before the request is dropped (408). */
export const BODY_IDLE_TIMEOUT_MS = 60_000;

/**
 * The request body as JSON (400 when malformed); `{}` when empty. Read
 * within the JSON body limits (json_body.ts): past them (413), or stalled for
 * {@link BODY_IDLE_TIMEOUT_MS} (408), the rest is not read and the
 * connection closes after the answer.
 */
export function readJson(req: IncomingMessage): Promise<unknown> {
  JsonBodyReader.checkDeclaredLength(Number(req.headers["content-length"] ?? 0));
  const reader = new JsonBodyReader();
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          fail(new RequestTimeout(`the request body stalled for ${BODY_IDLE_TIMEOUT_MS / 1000} s`)),
        BODY_IDLE_TIMEOUT_MS,
      );
    };
    const settle = () => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
    };
    const fail = (error: unknown) => {
      settle();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Uint8Array) => {
      try {
        reader.push(chunk);
        arm();
      } catch (error) {
        fail(error);
      }
    };
    const onEnd = () => {
      settle();
      try {
        resolve(reader.finish());
      } catch (error) {
        reject(error);
      }
    };
    const onGone = () => fail(new ClientGone());
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
    arm();
  });
}

/** The request body as a web stream. */
export function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  return Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
}

/** Boolean query parameter as docker reads them (1, true, True). */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  return !["", "0", "false", "False", "FALSE", "no"].includes(value);
}

/** Integer query parameter; 400 when malformed. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw new BadRequest(`invalid value for ${name}: ${value}`);
  return Number(value);
}

/** A since/until parameter: unix seconds (fractional) or RFC 3339; epoch ms. */
export function timeParameter(text: string | null, name: string): number | undefined {
  if (!text || text === "0") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parsed = parseRfc3339(text);
  if (Number.isNaN(parsed)) throw new BadRequest(`invalid value for ${name}: ${text}`);
  return parsed;
}

/** Docker's `until`: a duration before now, a unix time or an RFC 3339 date; epoch ms. */
export function untilFilter(filters: Map<string, string[]>, now = Date.now()): number | undefined {
  const values = filters.get("until") ?? [];
  if (values.length > 1) throw new BadRequest("more than one until filter specified");
  if (values.length === 0) return undefined;
  const duration = parseGoDuration(values[0]);
  return duration !== undefined ? now - duration : timeParameter(values[0], "until");
}

/** Docker's JSON message stream: headers with the first message, errors after it as messages. */
export function jsonMessageStream(res: ServerResponse) {
  let started = false;
  const send = async (message: unknown) => {
    if (!started) {
      res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
      started = true;
    }
    await writeChunk(res, JSON.stringify(message) + "\r\n");
  };
  return {
    send,
    /** Report `error`: as the HTTP status before any message, as a message after. */
    async fail(error: unknown, code?: number): Promise<void> {
      if (!started) throw error;
      const message = errorMessage(error);
      await send({ errorDetail: { ...(code ? { code } : {}), message }, error: message });
    },
    /** Whether the headers went out (an error must then be a message). */
    get started(): boolean {
      return started;
    },
  };
}
