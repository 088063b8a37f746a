/**
 * Exec and attach over a streaming connection: the client's streams wired
 * to an exec of the store (its own shim) or to the container's shim attach
 * socket, as the Docker API's sessions are; the exit status written on the
 * error stream at the end; terminal sizes from the resize stream.
 * @module
 */

import { Duplex, type Readable } from "node:stream";
import type { DaemonContext } from "../../daemon_context.ts";
import { shimStateDir } from "../../daemon_context.ts";
import { createExec } from "../../execs/create_exec.ts";
import { startExec } from "../../execs/start_exec.ts";
import { runAttachSession } from "../../containers/attach.ts";
import { resizePty } from "../../containers/resize.ts";
import { FrameSplitter, STREAM_IDS } from "../../../protocol/stream_framing.ts";
import { errorMessage, log } from "../../logger.ts";
import { findPodContainer, type PodContainer } from "../cri_lookup.ts";
import type { CriMessage } from "../cri_call.ts";
import { type CommandStreams, endWritable } from "./command_streams.ts";
import { writeWaiting } from "../../../lib/write_waiting.ts";

/** How long a tty exec waits for the client's first size before it starts. */
const FIRST_SIZE_WAIT_MS = 200;

/**
 * The process's client end: stdin comes from the client's stdin stream,
 * output (framed unless raw) goes to its stdout and stderr streams. A slow
 * client holds the output back (the attach proxy bounds how far).
 */
class CommandClient extends Duplex {
  #streams: CommandStreams;
  #splitter: FrameSplitter | undefined;

  constructor(streams: CommandStreams, raw: boolean) {
    super({ allowHalfOpen: true });
    this.#streams = streams;
    this.#splitter = raw ? undefined : new FrameSplitter();
    const stdin = streams.stdin;
    if (!stdin) {
      this.push(null);
      return;
    }
    stdin.on("data", (chunk: Uint8Array) => {
      if (!this.push(chunk)) stdin.pause();
    });
    const end = () => {
      if (!this.readableEnded) this.push(null);
    };
    stdin.once("end", end);
    stdin.once("close", end);
  }

  override _read(): void {
    this.#streams.stdin?.resume();
  }

  override _write(chunk: Uint8Array, _encoding: string, done: (error?: Error | null) => void) {
    const pieces = this.#splitter
      ? this.#splitter.push(new Uint8Array(chunk)).map((piece) => ({
        target: piece.streamId === STREAM_IDS.stderr ? this.#streams.stderr : this.#streams.stdout,
        bytes: piece.bytes.slice(),
      }))
      : [{ target: this.#streams.stdout, bytes: new Uint8Array(chunk) }];
    // In order; a gone stream's bytes are dropped (the client left it).
    (async () => {
      for (const { target, bytes } of pieces) {
        if (target && !target.writableEnded) await writeWaiting(target, bytes);
      }
    })().then(() => done(), done);
  }
}

/** A metav1.Status, as upstream's streaming server writes it. */
function statusJson(exitCode: number | undefined, failure?: string): string {
  if (failure !== undefined) {
    return JSON.stringify({
      metadata: {},
      status: "Failure",
      message: `Internal error occurred: error executing command in container: ${failure}`,
      reason: "InternalError",
      details: { causes: [{ message: failure }] },
      code: 500,
    });
  }
  if (!exitCode) return JSON.stringify({ metadata: {}, status: "Success" });
  return JSON.stringify({
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  });
}

/** Write the outcome on the error stream, then close everything. */
async function finishCommand(
  streams: CommandStreams,
  exitCode: number | undefined,
  failure?: string,
): Promise<void> {
  // Output first: the client reads the status once stdout and stderr end.
  await Promise.all([streams.stdout, streams.stderr].map(endWritable));
  if (streams.version >= 4) streams.error.write(statusJson(exitCode, failure));
  else if (failure !== undefined || exitCode) {
    streams.error.write(failure ?? `command terminated with non-zero exit code: ${exitCode}`);
  }
  await streams.finish();
}

type WindowSize = { rows: number; cols: number };

/** The client's terminal sizes (JSON objects back to back on the resize stream). */
class TerminalSizes {
  #latest: WindowSize | undefined;
  #listeners: ((size: WindowSize) => void)[] = [];

  constructor(resize: Readable | undefined) {
    if (!resize) return;
    let text = "";
    resize.setEncoding("utf8");
    resize.on("data", (chunk: string) => {
      text += chunk;
      let end;
      while ((end = text.indexOf("}")) >= 0) {
        const piece = text.slice(text.indexOf("{"), end + 1);
        text = text.slice(end + 1);
        try {
          const size = JSON.parse(piece);
          const rows = Number(size.Height), cols = Number(size.Width);
          if (rows > 0 && cols > 0 && rows < 65536 && cols < 65536) this.#emit({ rows, cols });
        } catch {
          // not a size: skipped
        }
      }
      if (text.length > 4096) text = "";
    });
  }

  /** Call `listener` with each size from now on. */
  onChange(listener: (size: WindowSize) => void): void {
    this.#listeners.push(listener);
  }

  /** The first size, if one comes within `waitMs`. */
  first(waitMs: number): Promise<WindowSize | undefined> {
    if (this.#latest) return Promise.resolve(this.#latest);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      this.onChange((size) => {
        clearTimeout(timer);
        resolve(size);
      });
    });
  }

  #emit(size: WindowSize): void {
    this.#latest = size;
    for (const listener of this.#listeners) listener(size);
  }
}

/**
 * The request's container if it still runs (it may have stopped since the
 * URL was handed out); otherwise the client is told so and the session ends.
 */
async function runningContainer(
  context: DaemonContext,
  request: CriMessage,
  streams: CommandStreams,
): Promise<PodContainer | undefined> {
  const container = findPodContainer(context, request.container_id);
  if (container?.isRunning) return container;
  await finishCommand(streams, undefined, `container ${request.container_id} is not running`);
  return undefined;
}

/** Serve an ExecRequest on its streams. */
export async function serveExec(
  context: DaemonContext,
  request: CriMessage,
  streams: CommandStreams,
): Promise<void> {
  const container = await runningContainer(context, request, streams);
  if (!container) return;
  const tty = Boolean(request.tty);
  let exec;
  try {
    exec = createExec(context, container, {
      Cmd: request.cmd,
      Tty: tty,
      AttachStdin: Boolean(request.stdin),
      AttachStdout: Boolean(request.stdout),
      AttachStderr: Boolean(request.stderr) && !tty,
      DetachKeys: "", // the CRI has no detach keys: every byte is stdin
    });
  } catch (error) {
    await finishCommand(streams, undefined, errorMessage(error));
    return;
  }
  const sizes = new TerminalSizes(streams.resize);
  const size = tty ? await sizes.first(FIRST_SIZE_WAIT_MS) : undefined;
  sizes.onChange((next) => {
    // Before the process runs, the start takes the size.
    if (exec.running && exec.stateDir) resizePty(exec.stateDir, exec.id, next).catch(() => {});
  });
  const client = new CommandClient(streams, tty);
  streams.gone.then(() => client.destroy());
  try {
    await startExec(
      context,
      exec,
      { detach: false, rawStream: tty, consoleSize: size ? [size.rows, size.cols] : undefined },
      { socket: client, respond: () => {} },
    );
  } catch (error) {
    log.warn("streaming exec failed", { id: exec.id, error: errorMessage(error) });
    await finishCommand(streams, undefined, errorMessage(error));
    return;
  } finally {
    context.execs.delete(exec.id);
  }
  await finishCommand(streams, exec.exitCode ?? undefined);
}

/** Serve an AttachRequest on its streams. */
export async function serveAttach(
  context: DaemonContext,
  request: CriMessage,
  streams: CommandStreams,
): Promise<void> {
  const container = await runningContainer(context, request, streams);
  if (!container) return;
  const tty = container.record.config.Tty;
  new TerminalSizes(streams.resize).onChange((size) => {
    resizePty(shimStateDir(context, container.id), container.id, size).catch(() => {});
  });
  const client = new CommandClient(streams, tty);
  streams.gone.then(() => client.destroy());
  await runAttachSession(context, container, client, {
    stdin: Boolean(request.stdin) && Boolean(streams.stdin),
    stdout: Boolean(request.stdout),
    stderr: Boolean(request.stderr) && !tty,
    detachKeys: null,
  });
  await finishCommand(streams, 0);
}
