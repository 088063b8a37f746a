/**
 * GET /exec/{id}/json. A finished exec is forgotten a minute after it was
 * first inspected (the docker CLI inspects it once, for the exit code).
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Exec } from "./exec.ts";

/** How long a finished, inspected exec stays listed. */
const FORGET_AFTER_MS = 60_000;

/** docker's exec inspect document. */
export function inspectExec(context: DaemonContext, exec: Exec) {
  const request = exec.request;
  if (exec.started && !exec.running && exec.exitCode !== null && !exec.forgetTimer) {
    exec.forgetTimer = setTimeout(() => context.execs.delete(exec.id), FORGET_AFTER_MS);
    Deno.unrefTimer(exec.forgetTimer as unknown as number);
  }
  return {
    ID: exec.id,
    Running: exec.running,
    ExitCode: exec.exitCode,
    ProcessConfig: {
      tty: Boolean(request.Tty),
      entrypoint: request.Cmd?.[0] ?? "",
      arguments: request.Cmd?.slice(1) ?? [],
      privileged: request.Privileged === true,
      user: request.User ?? "",
    },
    OpenStdin: Boolean(request.AttachStdin),
    OpenStderr: Boolean(request.AttachStderr),
    OpenStdout: Boolean(request.AttachStdout),
    CanRemove: !exec.running,
    ContainerID: exec.containerId,
    DetachKeys: request.DetachKeys ?? "",
    Pid: exec.pid,
  };
}
