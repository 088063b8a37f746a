/**
 * The CLI's view of the berth API: versioned requests, docker's error shape
 * turned into {@link DaemonError}, and a friendly error when nobody listens.
 * @module
 */

import { type HttpRequest, httpRequest, type HttpResponse } from "./http_client.ts";

/** The API version the CLI speaks. */
export const CLIENT_API_VERSION = "1.47";

/** The daemon answered with an error status. */
export class DaemonError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The daemon could not be reached. */
export class ConnectError extends Error {}

/** Query parameters; arrays repeat the key, undefined values are left out. */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) { for (const item of value) params.append(key, item); }
    else params.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A client of one daemon socket. */
export class ApiClient {
  constructor(readonly host: string, readonly socketPath: string) {}

  /** Send a request; non-2xx answers (but 304) throw DaemonError. */
  async request(
    method: string,
    path: string,
    options: {
      query?: Query;
      body?: unknown;
      upgrade?: boolean;
      headers?: Record<string, string>;
    } = {},
  ): Promise<HttpResponse> {
    const request: HttpRequest = {
      method,
      path: `/v${CLIENT_API_VERSION}${path}${queryString(options.query)}`,
      body: options.body,
      upgrade: options.upgrade,
      headers: options.headers,
    };
    let response: HttpResponse;
    try {
      response = await httpRequest(this.socketPath, request);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.ConnectionRefused) {
        throw new ConnectError(
          `Cannot connect to the berth daemon at ${this.host}. Is the berth daemon running?`,
        );
      }
      if (error instanceof Deno.errors.PermissionDenied) {
        throw new ConnectError(
          `permission denied while connecting to the berth daemon at ${this.host}`,
        );
      }
      throw error;
    }
    if (response.status >= 400) {
      const text = await response.text().catch(() => "");
      let message = text.trim();
      try {
        message = JSON.parse(text).message ?? message;
      } catch {
        // not JSON
      }
      throw new DaemonError(response.status, message || `HTTP ${response.status}`);
    }
    return response;
  }

  /** A request whose answer is JSON. */
  async json<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const response = await this.request(method, path, options);
    return await response.json<T>();
  }

  /** A request whose answer has no body worth reading. */
  async call(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<number> {
    const response = await this.request(method, path, options);
    response.cancel();
    return response.status;
  }
}
