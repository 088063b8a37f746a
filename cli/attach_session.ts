/**
 * The CLI's end of an attach: the upgraded connection, output demultiplexed
 * onto our stdout and stderr, our stdin sent to the container (its EOF
 * becomes a half-close).
 * @module
 */

import type { ApiClient } from "./api_client.ts";
import { errOut, out } from "./output.ts";
import { demultiplex } from "./stream_demux.ts";

/** An open attach. */
export interface AttachSession {
  /** Resolves when the container's output has ended (or the stream broke). */
  readonly done: Promise<void>;
  /** Start sending our stdin (once the container is starting). */
  startStdin(): void;
  close(): void;
}

/** What to attach. */
export interface AttachStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Attach to a container; resolves once the daemon has accepted (101). */
export async function openAttach(
  client: ApiClient,
  id: string,
  streams: AttachStreams,
): Promise<AttachSession> {
  const response = await client.request("POST", `/containers/${encodeURIComponent(id)}/attach`, {
    query: { stream: true, stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr },
    upgrade: true,
  });
  const conn = response.conn;
  const raw = streams.tty || !response.headers.get("content-type")?.includes("multiplexed");
  const done = demultiplex(response.body, { stdout: out, stderr: errOut }, raw).catch(() => {});
  let stdinStarted = false;
  return {
    done,
    startStdin() {
      if (!streams.stdin || stdinStarted) return;
      stdinStarted = true;
      (async () => {
        try {
          for await (const chunk of Deno.stdin.readable) {
            let written = 0;
            while (written < chunk.length) written += await conn.write(chunk.subarray(written));
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
