/**
 * POST /containers/{id}/exec: register an exec instance in a running
 * container; it runs at POST /exec/{id}/start.
 * @module
 */

import { containerEvent } from "../containers/container_events.ts";
import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, Conflict } from "../errors.ts";
import { newId } from "../ids.ts";
import { detachKeysParameter } from "../attach/detach_keys.ts";
import { type Exec, type ExecRequest, mergeEnv, newExec } from "./exec.ts";
import { checkArgumentSize, stackLimit } from "../oci/argument_limits.ts";
import { processEnv } from "../oci/spec.ts";

/** Refuse an exec in a container that does not run (or is frozen). */
export function checkExecutable(container: Container): void {
  if (container.state.Status === "paused") {
    throw new Conflict(`Container ${container.id} is paused, unpause the container before exec`);
  }
  if (!container.isRunning) throw new Conflict(`Container ${container.id} is not running`);
}

/** Validate and register an exec. */
export function createExec(
  context: DaemonContext,
  container: Container,
  request: ExecRequest,
): Exec {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  checkExecutable(container);
  const cmd = request.Cmd;
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((arg) => typeof arg === "string")) {
    throw new BadRequest("No exec command specified");
  }
  if (
    request.Env && !request.Env.every((entry) => typeof entry === "string" && /^[^=]+/.test(entry))
  ) {
    throw new BadRequest("Env must be a list of KEY=value strings");
  }
  if (request.WorkingDir && !request.WorkingDir.startsWith("/")) {
    throw new BadRequest(
      `the working directory '${request.WorkingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  if (request.DetachKeys) detachKeysParameter(request.DetachKeys);
  const { config, hostConfig } = container.record;
  checkArgumentSize(
    cmd,
    processEnv({
      env: mergeEnv(config.Env, request.Env ?? []),
      hostname: config.Hostname,
      tty: Boolean(request.Tty),
      home: "/",
    }),
    { stackLimit: stackLimit(hostConfig.Ulimits) },
  );
  const exec = newExec(newId(), container.id, request);
  context.execs.add(exec);
  containerEvent(context, container, `exec_create: ${cmd.join(" ")}`, { execID: exec.id });
  return exec;
}
