/**
 * The CLI's end of an attach or exec stream: the upgraded connection,
 * output demultiplexed onto our stdout and stderr, our stdin sent to the
 * process (its EOF becomes a half-close). Our stdin is also watched for the
 * detach sequence, so that we know we detached.
 * @module
 */

import { DetachKeyScanner, parseDetachKeys } from "../lib/detach_keys.ts";
import type { ApiClient, Query } from "./api_client.ts";
import { errLine, errOut, out, StdoutClosed } from "./output.ts";
import { followTerminalSize, proxySignals, rawTerminal } from "./terminal.ts";
import { demultiplex } from "./stream_demux.ts";
import { writeAll } from "../protocol/write_all.ts";
import { withTimeout } from "../lib/timeout.ts";

/** An open attach. */
export interface AttachSession {
  /** Resolves when the output has ended (or the stream broke). */
  readonly done: Promise<void>;
  /** True once our stdin held the detach sequence. */
  readonly detached: boolean;
  /** True when the output ended because our stdout was closed (`attach ID | head`). */
  readonly stdoutClosed: boolean;
  /** Start sending our stdin (once the process is starting). */
  startStdin(): void;
  close(): void;
}

/** What to attach. */
export interface AttachStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** The detach sequence the daemon was given (our default otherwise). */
  detachKeys?: string;
}

/** Open a hijacked stream (attach or exec start); resolves once the daemon has accepted. */
export async function openStream(
  client: ApiClient,
  request: { path: string; query?: Query; body?: unknown },
  streams: AttachStreams,
): Promise<AttachSession> {
  const response = await client.request("POST", request.path, {
    query: request.query,
    body: request.body,
    upgrade: true,
  });
  const conn = response.conn;
  const raw = streams.tty || !response.headers.get("content-type")?.includes("multiplexed");
  let stdoutClosed = false;
  const done = demultiplex(response.chunks(), { stdout: out, stderr: errOut }, raw).catch(
    (error) => {
      if (error instanceof StdoutClosed) stdoutClosed = true;
    },
  );
  let stdinStarted = false;
  let detached = false;
  const keys = parseDetachKeys(streams.detachKeys ?? "ctrl-p,ctrl-q");
  const scanner = keys ? new DetachKeyScanner(keys) : undefined;
  return {
    done,
    get detached() {
      return detached;
    },
    get stdoutClosed() {
      return stdoutClosed;
    },
    startStdin() {
      if (!streams.stdin || stdinStarted) return;
      stdinStarted = true;
      (async () => {
        try {
          for await (const chunk of Deno.stdin.readable) {
            await writeAll(conn, chunk);
            // The daemon detaches; we only note that it will.
            if (scanner?.push(chunk).detach) {
              detached = true;
              return;
            }
          }
          await conn.closeWrite();
        } catch {
          // the session ended first
        }
      })();
    },
    close() {
      try {
        conn.close();
      } catch {
        // already closed
      }
    },
  };
}

/** Attach to a container; resolves once the daemon has accepted (101). */
export function openAttach(
  client: ApiClient,
  id: string,
  streams: AttachStreams,
): Promise<AttachSession> {
  return openStream(client, {
    path: `/containers/${encodeURIComponent(id)}/attach`,
    query: {
      stream: true,
      stdin: streams.stdin,
      stdout: streams.stdout,
      stderr: streams.stderr,
      detachKeys: streams.detachKeys,
    },
  }, streams);
}

/**
 * Carry a session until its output ends, in this terminal: raw mode for an
 * interactive tty, our window size sent to `resizePath` at once and on
 * every change, our stdin sent; the terminal is restored on every way out.
 */
export async function driveSession(
  client: ApiClient,
  session: AttachSession,
  options: { tty: boolean; interactive: boolean; resizePath: string },
): Promise<void> {
  const restore = rawTerminal(options.tty && options.interactive);
  const stopResize = options.tty ? followTerminalSize(client, options.resizePath) : () => {};
  try {
    session.startStdin();
    await session.done;
  } finally {
    restore();
    stopResize();
  }
}

/** How long the exit status may lag behind the end of the output. */
const EXIT_GRACE_MS = 2_000;

/**
 * Carry a container session to its end: raw terminal, window size, signal
 * proxy; then the exit status from `wait` — or 0 when we detached (the
 * container runs on).
 */
export async function runContainerSession(
  client: ApiClient,
  id: string,
  session: AttachSession,
  wait: { json<T>(): Promise<T>; cancel(): void },
  options: { tty: boolean; interactive: boolean; sigProxy: boolean },
): Promise<number> {
  const stopSignals = !options.tty && options.sigProxy ? proxySignals(client, id) : () => {};
  try {
    await driveSession(client, session, {
      ...options,
      resizePath: `/containers/${encodeURIComponent(id)}/resize`,
    });
  } finally {
    stopSignals();
  }
  if (session.stdoutClosed) {
    // Whoever read our output stopped: so do we, at once and quietly (the
    // container runs on, as a detached one).
    session.close();
    wait.cancel();
    throw new StdoutClosed();
  }
  // null: the daemon went away (the container is not affected).
  const status = wait.json<{ StatusCode: number; Error?: { Message: string } | null }>()
    .catch(() => null);
  if (session.detached) {
    wait.cancel();
    return 0;
  }
  const quick = await withTimeout(status, EXIT_GRACE_MS);
  if (!quick) {
    // No exit yet: detached by a sequence we did not know, if it still runs.
    const state = await client.json<{ State: { Running: boolean } }>(
      "GET",
      `/containers/${encodeURIComponent(id)}/json`,
    ).catch(() => undefined);
    if (state?.State.Running) {
      wait.cancel();
      return 0;
    }
  }
  const result = quick ?? await status;
  if (!result) {
    errLine("berth: lost the connection to the daemon; the container was not affected");
    return 1;
  }
  if (result.Error?.Message) errLine(`berth: ${result.Error.Message}`);
  return result.StatusCode;
}
