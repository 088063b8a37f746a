/**
 * ExecSync: a command in a pod's container (an exec of the store, in a
 * shim of the pod's group), its stdout and stderr collected, its timeout
 * enforced by killing it.
 * @module
 */

import { Duplex } from "node:stream";
import type { DaemonContext } from "../daemon_context.ts";
import { createExec } from "../execs/create_exec.ts";
import { startExec } from "../execs/start_exec.ts";
import { FrameSplitter, STREAM_IDS } from "../../protocol/stream_framing.ts";
import { killProcess } from "../system/libc.ts";
import { SIGNALS } from "../signals.ts";
import { ApiError } from "../errors.ts";
import { concatBytes } from "../../lib/bytes.ts";
import { GrpcCode, GrpcError, invalidArgument } from "./grpc_status.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getPodContainer } from "./cri_lookup.ts";

/** The most output ExecSync keeps per stream (kubelet's probes read 16 MiB at most). */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** A client end that collects an exec's framed output by stream. */
class OutputCollector extends Duplex {
  readonly stdout: Uint8Array[] = [];
  readonly stderr: Uint8Array[] = [];
  #sizes = { stdout: 0, stderr: 0 };
  #splitter = new FrameSplitter();

  override _read(): void {
    this.push(null); // no stdin
  }

  override _write(chunk: Uint8Array, _encoding: string, done: (error?: Error | null) => void) {
    for (const piece of this.#splitter.push(new Uint8Array(chunk))) {
      const name = piece.streamId === STREAM_IDS.stderr ? "stderr" : "stdout";
      if (this.#sizes[name] + piece.bytes.length > MAX_OUTPUT_BYTES) continue;
      this.#sizes[name] += piece.bytes.length;
      this[name].push(piece.bytes.slice());
    }
    done();
  }
}

async function execSync(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const container = getPodContainer(context, request.container_id);
  if (!request.cmd?.length) throw invalidArgument("ExecSync needs a command");
  if (!container.isRunning) {
    throw new GrpcError(GrpcCode.FAILED_PRECONDITION, `container ${container.id} is not running`);
  }
  const exec = createExec(context, container, {
    Cmd: request.cmd,
    AttachStdout: true,
    AttachStderr: true,
  });
  const output = new OutputCollector();
  const timeoutMs = (Number(request.timeout) || 0) * 1000;
  let timedOut = false;
  // Past the timeout the process is killed (once it has a pid: it may still be starting).
  const kill = () => {
    timedOut = true;
    if (exec.pid > 0) killProcess(exec.pid, SIGNALS.KILL);
    else if (exec.exitCode === null) timer = setTimeout(kill, 50);
  };
  let timer = timeoutMs > 0 ? setTimeout(kill, timeoutMs) : undefined;
  try {
    await startExec(context, exec, { detach: false, rawStream: false }, {
      socket: output,
      respond: () => {},
    });
    await exec.exited;
  } catch (error) {
    if (error instanceof ApiError) throw new GrpcError(GrpcCode.UNKNOWN, error.message);
    throw error;
  } finally {
    clearTimeout(timer);
    context.execs.delete(exec.id);
  }
  if (timedOut) {
    throw new GrpcError(
      GrpcCode.DEADLINE_EXCEEDED,
      `command ${JSON.stringify(request.cmd.join(" "))} timed out after ${request.timeout}s`,
    );
  }
  return {
    stdout: concatBytes(output.stdout),
    stderr: concatBytes(output.stderr),
    exit_code: exec.exitCode ?? 0,
  };
}

/** ExecSync (Exec, Attach and PortForward: stream_requests.ts). */
export const containerExecHandlers: CriHandlers = {
  ExecSync: execSync,
};
