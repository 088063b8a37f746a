/**
 * A small HTTP/1.1 client on a unix socket: one request per connection,
 * Content-Length, chunked and read-to-close bodies, streamed request bodies,
 * and the 101 upgrade that hands over the raw connection (attach).
 * @module
 */

import { concatBytes, OWNED_READ_SIZE, OwnedReads } from "../lib/bytes.ts";
import { writeAll } from "../protocol/write_all.ts";
import { withTimeout } from "../lib/timeout.ts";

/** A request. */
export interface HttpRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A JSON value, bytes, or a stream sent chunked. */
  body?: unknown;
  /** Ask for a protocol upgrade (`Upgrade: tcp`). */
  upgrade?: boolean;
}

/** A response whose body may still be arriving. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Map<string, string>;
  /** The decoded body as a web stream (for 101: the raw stream after the headers). */
  readonly body: ReadableStream<Uint8Array>;
  /** The same body as plain async pulls (no web streams: cheaper to start). */
  chunks(): AsyncIterable<Uint8Array>;
  /** Stop reading the body (closes the connection). */
  cancel(): void;
  /** The connection, for writing after an upgrade. */
  conn: Deno.UnixConn;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Most bytes of a body handed out at once. */
const READ_SIZE = OWNED_READ_SIZE;

/** Buffered reads from a connection. */
class ConnReader {
  #buffer: Uint8Array = new Uint8Array(0);
  #reads: OwnedReads;
  #eof = false;

  constructor(readonly conn: Deno.Conn) {
    this.#reads = new OwnedReads(conn);
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    // Bytes handed out are never written again (views need no copy).
    const data = await this.#reads.read();
    if (data === null) {
      this.#eof = true;
      return false;
    }
    this.#buffer = this.#buffer.length ? concatBytes([this.#buffer, data]) : data;
    return true;
  }

  /** Bytes up to and including `delimiter`, or undefined at EOF. */
  async readUntil(delimiter: string): Promise<Uint8Array | undefined> {
    const needle = encoder.encode(delimiter);
    for (;;) {
      const index = indexOf(this.#buffer, needle);
      if (index >= 0) return this.take(index + needle.length);
      if (!(await this.#fill())) return undefined;
    }
  }

  /** Exactly `count` bytes (fewer at EOF). */
  async readExactly(count: number): Promise<Uint8Array> {
    while (this.#buffer.length < count) if (!(await this.#fill())) break;
    return this.take(Math.min(count, this.#buffer.length));
  }

  /** Whatever is buffered, else the next chunk; undefined at EOF. */
  async readSome(): Promise<Uint8Array | undefined> {
    if (this.#buffer.length === 0 && !(await this.#fill())) return undefined;
    return this.take(this.#buffer.length);
  }

  /** The next `count` bytes (a view: buffered bytes are never written again). */
  take(count: number): Uint8Array {
    const out = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return out;
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let index = 0; index <= haystack.length - needle.length; index++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[index + offset] !== needle[offset]) continue outer;
    }
    return index;
  }
  return -1;
}

/**
 * A response body read on demand: Content-Length, chunked or read-to-close.
 * Plain pulls, not a web ReadableStream: loading the streams code costs a
 * CLI about 5 ms at start, and `run` needs none of it.
 */
class BodyReader implements AsyncIterable<Uint8Array> {
  #chunked: boolean;
  #remaining: number;
  #chunkLeft = 0;
  #finished: boolean;

  constructor(
    readonly reader: ConnReader,
    headers: Map<string, string>,
    readonly kind: "none" | "raw" | "framed",
  ) {
    this.#chunked = headers.get("transfer-encoding")?.toLowerCase().includes("chunked") ?? false;
    const lengthHeader = headers.get("content-length");
    this.#remaining = lengthHeader !== undefined ? Number(lengthHeader) : Infinity;
    this.#finished = kind === "none";
  }

  /** The next piece of the body; undefined at its end. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#finished) return undefined;
    const reader = this.reader;
    if (this.kind === "framed" && this.#chunked) {
      if (this.#chunkLeft === 0) {
        const line = await reader.readUntil("\r\n");
        if (!line) throw new Error("connection closed inside a chunked body");
        this.#chunkLeft = parseInt(decoder.decode(line).trim().split(";")[0], 16);
        if (Number.isNaN(this.#chunkLeft)) throw new Error("malformed chunk size");
        if (this.#chunkLeft === 0) {
          await reader.readUntil("\r\n"); // trailer end
          this.#finished = true;
          return undefined;
        }
      }
      const data = await reader.readExactly(Math.min(this.#chunkLeft, READ_SIZE));
      if (data.length === 0) throw new Error("connection closed inside a chunk");
      this.#chunkLeft -= data.length;
      if (this.#chunkLeft === 0) await reader.readExactly(2); // CRLF after the chunk
      return data;
    }
    if (this.#remaining === 0) {
      this.#finished = true;
      return undefined;
    }
    const data = this.kind === "framed" && Number.isFinite(this.#remaining)
      ? await reader.readExactly(Math.min(this.#remaining, READ_SIZE))
      : await reader.readSome();
    if (!data || data.length === 0) {
      this.#finished = true;
      return undefined;
    }
    this.#remaining -= data.length;
    return data;
  }

  /** Stop reading: the connection is closed. */
  cancel(): void {
    this.#finished = true;
    try {
      this.reader.conn.close();
    } catch {
      // already closed
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === undefined) return;
      yield chunk;
    }
  }

  /** The whole body as text. */
  async text(): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this) parts.push(chunk);
    return decoder.decode(concatBytes(parts));
  }

  /** The same body as a web stream, for code that pipes it. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const chunk = await this.read();
          if (chunk === undefined) controller.close();
          else controller.enqueue(chunk);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: () => this.cancel(),
    });
  }
}

/**
 * A web stream, told without naming the global `ReadableStream` (whose
 * first use loads the streams code).
 */
function isStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream | null)?.getReader === "function";
}

/** Send a request on a new connection to `socketPath`; resolves at the response headers. */
export async function httpRequest(socketPath: string, request: HttpRequest): Promise<HttpResponse> {
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  try {
    const headers: Record<string, string> = { Host: "berth", ...request.headers };
    let body: Uint8Array | ReadableStream<Uint8Array> | undefined;
    if (isStream(request.body)) {
      body = request.body;
      headers["Transfer-Encoding"] = "chunked";
    } else if (request.body instanceof Uint8Array) {
      body = request.body;
    } else if (request.body !== undefined) {
      body = encoder.encode(JSON.stringify(request.body));
      headers["Content-Type"] ??= "application/json";
    }
    if (body instanceof Uint8Array) headers["Content-Length"] = String(body.length);
    if (request.upgrade) {
      headers["Connection"] = "Upgrade";
      headers["Upgrade"] = "tcp";
    } else {
      headers["Connection"] = "close";
    }
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    await writeAll(conn, encoder.encode(head + "\r\n"));
    const reader = new ConnReader(conn);
    const response = readResponse(reader, request);
    try {
      if (body instanceof Uint8Array) await writeAll(conn, body);
      else if (body) await sendChunked(conn, body, response);
    } catch (error) {
      // The server may have answered (an error) and closed before the body
      // was all sent: its answer says more than a broken pipe.
      const answer = await withTimeout(response.catch(() => undefined), 5000);
      if (answer) return answer;
      throw error;
    }
    return await response;
  } catch (error) {
    conn.close();
    throw error;
  }
}

/** Stream a body with chunked encoding; stops early if the server answers first. */
async function sendChunked(
  conn: Deno.Conn,
  body: ReadableStream<Uint8Array>,
  answered: Promise<unknown>,
): Promise<void> {
  let done = false;
  answered.then(() => done = true, () => done = true);
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      if (done) continue; // the server has answered (an error): drain quietly
      if (value.length === 0) continue;
      await writeAll(conn, encoder.encode(`${value.length.toString(16)}\r\n`));
      await writeAll(conn, value);
      await writeAll(conn, encoder.encode("\r\n"));
    }
    if (!done) await writeAll(conn, encoder.encode("0\r\n\r\n"));
  } catch (error) {
    if (!done) throw error;
  } finally {
    reader.releaseLock();
  }
}

async function readResponse(reader: ConnReader, request: HttpRequest): Promise<HttpResponse> {
  const head = await reader.readUntil("\r\n\r\n");
  if (!head) throw new Error("the daemon closed the connection without answering");
  const lines = decoder.decode(head).split("\r\n");
  const statusLine = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!statusLine) throw new Error(`malformed response: ${lines[0]}`);
  const status = Number(statusLine[1]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  const kind = status === 101
    ? "raw"
    : request.method === "HEAD" || status === 204 || status === 304
    ? "none"
    : "framed";
  const body = new BodyReader(reader, headers, kind);
  let stream: ReadableStream<Uint8Array> | undefined;
  return {
    status,
    statusText: statusLine[2],
    headers,
    get body() {
      return stream ??= body.stream();
    },
    chunks: () => body,
    cancel: () => body.cancel(),
    conn: reader.conn as Deno.UnixConn,
    text: () => body.text(),
    json: async () => JSON.parse(await body.text()),
  };
}
