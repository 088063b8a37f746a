/**
 * POST /containers/{id}/attach: the HTTP upgrade (101, `Upgrade: tcp`)
 * and then raw bytes: docker's multiplexed framing without a tty, raw with
 * one. Without an Upgrade header the output streams as the response body.
 * @module
 */

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { detachKeysParameter } from "../../attach/detach_keys.ts";
import { attachIfRunning, checkAttachable, runAttachSession } from "../../containers/attach.ts";
import { type LogFile, readLog } from "../../logs/log_reader.ts";
import type { DaemonContext } from "../../daemon_context.ts";
import { BadRequest } from "../../errors.ts";
import { queryBool } from "../http.ts";
import { frame, MULTIPLEXED, RAW_STREAM } from "../../../protocol/stream_framing.ts";

/** A hijacked request: the raw connection after the request head. */
export interface HijackRequest {
  context: DaemonContext;
  req: IncomingMessage;
  socket: Duplex;
  params: string[];
  query: URLSearchParams;
  /** Send the success head (101, or 200 without an upgrade); the stream follows. */
  respond(contentType: string): void;
  /** The request body (JSON), read before the stream starts. */
  body(): Promise<unknown>;
  /** Answer with an empty 200 instead of a stream (exec start with Detach). */
  respondEmpty(): void;
}

/** Send the container's log so far (the `logs=1` parameter). */
async function replayLogs(
  socket: Duplex,
  logFile: LogFile,
  tty: boolean,
  options: { stdout: boolean; stderr: boolean },
): Promise<void> {
  const encoder = new TextEncoder();
  for await (
    const record of readLog(logFile, {
      follow: false,
      stopped: Promise.resolve(),
      signal: new AbortController().signal,
    })
  ) {
    if (!options[record.stream]) continue;
    const payload = encoder.encode(record.text);
    socket.write(tty ? payload : frame(record.stream, payload));
  }
}

/** POST /containers/{id}/attach, hijacked. */
export async function attach(
  { context, socket, params, query, respond }: HijackRequest,
): Promise<void> {
  const container = context.containers.get(params[0]);
  checkAttachable(container);
  const options = {
    stdin: queryBool(query, "stdin"),
    stdout: queryBool(query, "stdout"),
    stderr: queryBool(query, "stderr"),
    detachKeys: detachKeysParameter(query.get("detachKeys") ?? context.flags.detachKeys),
  };
  const stream = queryBool(query, "stream");
  const logs = queryBool(query, "logs");
  if (!stream && !logs) throw new BadRequest("attach needs stream=1 or logs=1");
  const tty = container.record.config.Tty;
  const early = stream ? await attachIfRunning(context, container, options) : undefined;
  respond(tty ? RAW_STREAM : MULTIPLEXED);
  const logFile = container.logFile;
  if (logs && logFile) await replayLogs(socket, logFile, tty, options);
  if (!stream) {
    socket.end();
    return;
  }
  await runAttachSession(context, container, socket, options, early);
}
