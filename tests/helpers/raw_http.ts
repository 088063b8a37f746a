/**
 * HTTP by hand over a daemon's unix socket, for tests of clients that
 * misbehave: requests cut anywhere, connections closed at any stage,
 * heads that never end.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";
import { writeAll } from "../../protocol/write_all.ts";

const encoder = new TextEncoder();

/** One request's bytes: its head and its body. */
export interface RawRequest {
  head: Uint8Array;
  body: Uint8Array;
}

/** A request head (with Content-Length of `body`) and the body. */
export function rawRequest(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
): RawRequest {
  const body = typeof options.body === "string"
    ? encoder.encode(options.body)
    : options.body ?? new Uint8Array();
  const headers = { Host: "berth", ...options.headers, "Content-Length": String(body.length) };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return { head: encoder.encode(`${method} ${path} HTTP/1.1\r\n${lines}\r\n`), body };
}

/** Connect to a unix socket. */
export function connectUnix(path: string): Promise<Deno.UnixConn> {
  return Deno.connect({ transport: "unix", path });
}

/** Write, ignoring a peer that has closed already. */
export async function sendQuietly(conn: Deno.Conn, data: Uint8Array): Promise<boolean> {
  try {
    await writeAll(conn, data);
    return true;
  } catch {
    return false;
  }
}

/** Read until `count` bytes (or the end, or `ms`); returns what came. */
export async function readAtLeast(
  conn: Deno.Conn,
  count: number,
  ms = 10_000,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms));
  try {
    while (total < count) {
      const buffer = new Uint8Array(64 * 1024);
      const read = await Promise.race([conn.read(buffer).catch(() => null), expired]);
      if (read === null) break;
      parts.push(buffer.subarray(0, read));
      total += read;
    }
  } finally {
    clearTimeout(timer);
  }
  return concatBytes(parts);
}

/** Read an answer's head (status line and headers); empty when none came. */
export async function readHead(conn: Deno.Conn, ms = 10_000): Promise<string> {
  let text = "";
  const deadline = Date.now() + ms;
  while (!text.includes("\r\n\r\n") && Date.now() < deadline) {
    const chunk = await readAtLeast(conn, 1, deadline - Date.now());
    if (chunk.length === 0) break;
    text += new TextDecoder().decode(chunk);
  }
  return text;
}

/** Close, whatever state the connection is in. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
