/**
 * The streaming server's request cache, as upstream's: an Exec, Attach or
 * PortForward request waits under a random single-use token until its
 * client connects, at most a minute; a bounded number wait at once.
 * @module
 */

import { Buffer } from "node:buffer";

/** How long a token stays valid unused (upstream's cacheTTL). */
export const TOKEN_TTL_MS = 60_000;
/** The most requests waiting at once (upstream's maxInFlight). */
export const MAX_IN_FLIGHT = 1000;
/** Random bytes in a token (upstream's tokenLen). */
const TOKEN_BYTES = 8;

/** The requests a token can stand for. */
export type StreamRequest =
  // deno-lint-ignore no-explicit-any
  | { kind: "exec"; request: Record<string, any> }
  // deno-lint-ignore no-explicit-any
  | { kind: "attach"; request: Record<string, any> }
  // deno-lint-ignore no-explicit-any
  | { kind: "portforward"; request: Record<string, any> };

/** Thrown when {@link MAX_IN_FLIGHT} requests already wait. */
export class TooManyRequests extends Error {}

/** Single-use tokens for waiting requests. */
export class RequestCache {
  #entries = new Map<string, { request: StreamRequest; expires: number }>();
  #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Keep `request` under a new token. */
  insert(request: StreamRequest): string {
    this.#evictExpired();
    if (this.#entries.size >= MAX_IN_FLIGHT) {
      throw new TooManyRequests(`maximum number of in-flight requests (${MAX_IN_FLIGHT}) exceeded`);
    }
    let token: string;
    do {
      token = Buffer.from(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))).toString(
        "base64url",
      );
    } while (this.#entries.has(token));
    this.#entries.set(token, { request, expires: this.#now() + TOKEN_TTL_MS });
    return token;
  }

  /** The request under `token`, once: undefined when unknown, used or expired. */
  consume(token: string): StreamRequest | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    this.#entries.delete(token);
    return entry.expires > this.#now() ? entry.request : undefined;
  }

  /** Requests waiting. */
  get size(): number {
    this.#evictExpired();
    return this.#entries.size;
  }

  #evictExpired(): void {
    const now = this.#now();
    for (const [token, entry] of this.#entries) {
      if (entry.expires <= now) this.#entries.delete(token);
    }
  }
}
