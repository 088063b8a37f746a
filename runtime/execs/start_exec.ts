/**
 * POST /exec/{id}/start: a shim of its own runs `<runtime> exec`. An
 * attached client is connected to the shim before the process starts, so
 * it misses nothing, and its stream ends only once the exit code is known
 * (the docker CLI asks for it right after).
 * @module
 */

import type { Duplex } from "node:stream";
import {
  DEFAULT_ATTACH_LIMITS,
  PROTOCOL_VERSION,
  type ShimConfig,
} from "../../protocol/shim_protocol.ts";
import { frame } from "../../protocol/stream_framing.ts";
import { proxyAttach, type SessionEnd } from "../attach/attach_proxy.ts";
import { detachKeysParameter } from "../attach/detach_keys.ts";
import { containerHostname } from "../containers/etc_files.ts";
import { containerEvent } from "../containers/container_events.ts";
import { dockerStyleError, startFailureExitCode } from "../containers/exit_codes.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, Conflict } from "../errors.ts";
import { errorMessage } from "../logger.ts";
import { containerRlimits } from "../oci/rlimits.ts";
import { buildProcess, processEnv, processSecurity, withLinkEnv } from "../oci/spec.ts";
import { processUser } from "../oci/user.ts";
import { attachToShim, type ShimAttachment } from "../shims/attach_client.ts";
import type { ShimConnection } from "../shims/shim_client.ts";
import { standbyShim } from "../shims/shim_launcher.ts";
import { checkExecutable } from "./create_exec.ts";
import { type Exec, execStateDir, mergeEnv } from "./exec.ts";
import { followExec } from "./follow_exec.ts";
import { withTimeout } from "../../lib/timeout.ts";

/** How long an attached stream waits for the exit code after the output ends. */
const EXIT_CODE_WAIT_MS = 5_000;

/** The OCI process of an exec, resolved in the container's root filesystem. */
async function execProcess(
  context: DaemonContext,
  exec: Exec,
  consoleSize: [number, number] | undefined,
): Promise<Record<string, unknown>> {
  const container = context.containers.get(exec.containerId);
  const { config, hostConfig } = container.record;
  const request = exec.request;
  // The container's extra groups too, as docker's execs get them.
  const user = await processUser(
    container.paths.rootfs,
    request.User || config.User,
    hostConfig.GroupAdd ?? [],
    container.record.cri?.kind === "container" && container.record.cri.strictGroups,
  );
  const [rows, cols] = consoleSize ?? request.ConsoleSize ?? [0, 0];
  return buildProcess({
    tty: Boolean(request.Tty),
    user,
    args: request.Cmd!,
    env: processEnv({
      env: mergeEnv(withLinkEnv(container.record.linked?.env ?? [], config.Env), request.Env ?? []),
      hostname: containerHostname(context, container),
      tty: Boolean(request.Tty),
      home: user.home,
    }),
    cwd: request.WorkingDir || config.WorkingDir || "/",
    rlimits: containerRlimits(hostConfig.Ulimits ?? [], context.hardLimits),
    consoleSize: { rows, cols },
    // A privileged exec gets every capability, as in docker.
    ...processSecurity({ ...hostConfig, Privileged: hostConfig.Privileged || request.Privileged }),
  });
}

/** Start options from the API. */
export interface ExecStartOptions {
  detach: boolean;
  consoleSize?: [number, number];
  /**
   * The client gets raw bytes, not frames: the start request's Tty, which
   * docker follows whatever the exec was created with (the pty is the
   * create's). Unset: as the exec was created.
   */
  rawStream?: boolean;
}

/**
 * Start an exec. With `client` (a hijacked connection), `respond` is called
 * once the process runs, then the session is proxied until the output ends
 * and the exit code is known.
 */
export async function startExec(
  context: DaemonContext,
  exec: Exec,
  options: ExecStartOptions,
  client?: { socket: Duplex; respond: () => void },
): Promise<SessionEnd | undefined> {
  if (exec.started) throw new Conflict(`exec ${exec.id} has already been started`);
  const container = context.containers.get(exec.containerId);
  checkExecutable(container);
  exec.started = true;
  const runtime = context.runtimes.get(container.record.runtime);
  if (!runtime) throw new ApiError(500, `runtime "${container.record.runtime}" is not registered`);
  const request = exec.request;
  const tty = Boolean(request.Tty);
  const raw = options.rawStream ?? tty;
  // A standby shim from the pool saves the exec a Deno boot; it keeps the
  // state dir it was booted for.
  // In a pod: a shim of the pod's group.
  const owner = container.record.cri?.kind === "container" ? container.record.cri.sandboxId : "";
  const pooled = (owner && context.shimPool.takeOwned(owner)) || context.shimPool.take();
  const stateDir = pooled
    ? context.shimPool.grantOf(pooled).stateDir
    : execStateDir(context, exec.id);
  exec.stateDir = stateDir;
  const [rows, cols] = options.consoleSize ?? request.ConsoleSize ?? [0, 0];
  const config: ShimConfig = {
    protocol: PROTOCOL_VERSION,
    id: exec.id,
    bundle: container.paths.bundle,
    stateDir,
    runtime,
    tty,
    openStdin: Boolean(request.AttachStdin),
    // An exec's stdin ends with its client's.
    stdinOnce: Boolean(request.AttachStdin),
    consoleSize: tty && rows > 0 && cols > 0 ? { rows, cols } : undefined,
    exec: {
      containerId: container.id,
      process: await execProcess(context, exec, options.consoleSize),
    },
    libcPath: context.libcPath,
    attach: {
      maxAttachers: context.flags.maxAttachers,
      queueBytes: DEFAULT_ATTACH_LIMITS.queueBytes,
    },
  };
  // An attached client gets its stream now: a failure to start is then
  // written into it, as docker does, and the exit code tells the rest.
  client?.respond();
  let connection: ShimConnection | undefined;
  let attachment: ShimAttachment | undefined;
  try {
    if (pooled) await context.shimPool.booted(pooled);
    connection = await standbyShim(
      context.shim,
      pooled
        ? context.shimPool.grantOf(pooled)
        : { stateDir, libcPath: context.libcPath, logFiles: 0, runtimePaths: [runtime.path] },
      pooled !== undefined,
    );
    await connection.create(config);
    if (client) {
      attachment = await attachToShim(stateDir, {
        stdin: Boolean(request.AttachStdin),
        stdout: Boolean(request.AttachStdout),
        stderr: Boolean(request.AttachStderr),
      });
    }
    exec.pid = (await connection.start(exec.id)).pid ?? 0;
    context.shimPool.fillWhenQuiet();
  } catch (error) {
    context.shimPool.fillWhenQuiet();
    attachment?.conn.close();
    connection?.close();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    const message = `OCI runtime exec failed: ${dockerStyleError(errorMessage(error))}`;
    // docker's exit code for an exec that could not start is 126, whatever the cause.
    exec.markExited(126);
    if (!client) throw new ApiError(startFailureExitCode(message) === 128 ? 500 : 400, message);
    const text = new TextEncoder().encode(`${message}\r\n`);
    client.socket.end(raw ? text : frame("stderr", text));
    return "ended";
  }
  exec.running = true;
  const command = (request.Cmd ?? []).join(" ");
  containerEvent(context, container, `exec_start: ${command}`, { execID: exec.id });
  followExec(context, exec, connection, stateDir);
  if (!client || !attachment) return undefined;
  const end = await proxyAttach(client.socket, attachment, {
    tty: raw,
    stdin: Boolean(request.AttachStdin),
    detachKeys: detachKeysParameter(request.DetachKeys ?? context.flags.detachKeys),
    id: exec.id,
    backpressure: true,
  });
  if (end === "ended") {
    await withTimeout(exec.exited, EXIT_CODE_WAIT_MS);
  }
  if (!client.socket.destroyed) client.socket.end();
  return end;
}
