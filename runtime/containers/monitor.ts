/**
 * Watching a running container through its shim: the exit event (or, if
 * the daemon missed it, the exit record on disk) becomes the container's
 * exited state; a shim that died without a record means exit code 255 and
 * the container killed.
 * @module
 */

import type { ExitRecord, ShimStatus } from "../../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import { RuntimeError } from "../runtime_driver.ts";
import type { ShimConnection } from "../shims/shim_client.ts";
import { shutdownStandbyShim } from "../shims/shim_launcher.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { stopHealthMonitor } from "./health.ts";
import { unmountRootfs } from "./rootfs.ts";
import { disconnectContainer, freePublishedPorts } from "../networks/container_network.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { connectShim, readExitRecord, shimAlive } from "../shims/shim_state.ts";

/** How long a shim may take to delete its container after the exit. */
const SHIM_FINISH_TIMEOUT_MS = 10_000;

/** Live connections to shims, by container id. */
const connections = new Map<string, ShimConnection>();
/** Set at shutdown: closed connections are then expected. */
let disconnecting = false;

/** Called after a container's exit was recorded (auto-remove hooks in here). */
export type ExitHook = (container: Container) => void;
let exitHook: ExitHook = () => {};

/** Set what runs after every recorded exit. */
export function onContainerExit(hook: ExitHook): void {
  exitHook = hook;
}

/**
 * Connect to a container's shim and follow it until the container exits.
 * Returns the shim's status, or undefined when the shim is gone (its exit
 * record, or its absence, has then been handled already).
 */
export async function superviseShim(
  context: DaemonContext,
  container: Container,
): Promise<ShimStatus | undefined> {
  const stateDir = shimStateDir(context, container.id);
  let connection: ShimConnection | undefined;
  let status: ShimStatus;
  try {
    connection = await connectShim(stateDir);
    status = await connection.status(container.id);
  } catch {
    connection?.close();
    await settleWithoutShim(context, container, stateDir);
    return undefined;
  }
  followShim(context, container, connection);
  return status;
}

/** Follow a connected shim until the container exits, then record it. */
export function followShim(
  context: DaemonContext,
  container: Container,
  connection: ShimConnection,
): void {
  const stateDir = shimStateDir(context, container.id);
  connections.set(container.id, connection);
  (async () => {
    const exit = await connection.waitForExit();
    // The shim deletes the container from the runtime, then closes.
    const finished = withTimeout(connection.closed, SHIM_FINISH_TIMEOUT_MS).then(() => {
      if (connections.get(container.id) === connection) connections.delete(container.id);
    });
    if (disconnecting) return;
    if (exit) {
      await recordExit(context, container, exit, finished);
      return;
    }
    await finished;
    if (await shimAlive(stateDir)) {
      // The connection broke but the shim lives: reconnect.
      await superviseShim(context, container);
    } else {
      await settleWithoutShim(context, container, stateDir);
    }
  })().catch((error) =>
    log.error("watching a shim failed", { id: container.id, error: errorMessage(error) })
  );
}

/** The shim is gone: use its exit record, or declare it dead. */
async function settleWithoutShim(
  context: DaemonContext,
  container: Container,
  stateDir: string,
): Promise<void> {
  const exit = await readExitRecord(stateDir);
  if (exit) await recordExit(context, container, exit);
  else await recordShimDeath(context, container);
}

/** Unmount the rootfs, stop a standby shim, remove the shim's state dir. */
export async function releaseRuntimeResources(
  context: DaemonContext,
  container: Container,
): Promise<void> {
  const disconnected = disconnectContainer(context, container);
  await unmountRootfs(container).finally(() => disconnected);
  const stateDir = shimStateDir(context, container.id);
  await shutdownStandbyShim(stateDir);
  await Deno.remove(stateDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** Releases of removed containers whose shims were still finishing. */
const pendingReleases = new Set<Promise<void>>();

/**
 * Let a removed container's release (it waits for the shim to finish, see
 * {@link recordExit}) run on without holding the removal up: the shim's
 * `<runtime> delete` takes a few ms more, and the container is gone for
 * clients already. The daemon waits for it at shutdown.
 */
export function releaseAfterShim(container: Container): void {
  const release = container.released.finally(() => pendingReleases.delete(release));
  pendingReleases.add(release);
}

/** Wait for the releases still pending (at shutdown, before the shims are let go). */
export async function settleReleases(): Promise<void> {
  await Promise.all(pendingReleases);
}

/**
 * A container exited: record how (first, so a crash right after cannot turn
 * the true exit into a 255) and tell waiters; release what it held once its
 * shim has finished (`shimFinished`).
 */
export async function recordExit(
  context: DaemonContext,
  container: Container,
  exit: ExitRecord,
  shimFinished: Promise<void> = Promise.resolve(),
): Promise<void> {
  container.record.state = {
    ...container.state,
    Status: "exited",
    Pid: 0,
    ExitCode: exit.exitCode,
    OOMKilled: exit.oomKilled,
    Error: "",
    FinishedAt: exit.exitedAt,
  };
  delete container.record.shimProtocol;
  stopHealthMonitor(container);
  freePublishedPorts(context, container);
  // A --rm container's record goes in a moment: written, but not fsynced
  // (after a power loss it is removed all the same).
  await container.save({ durable: !container.record.hostConfig.AutoRemove });
  container.shimFinishing = true;
  container.released = shimFinished.then(() => releaseRuntimeResources(context, container))
    .catch((error) =>
      log.warn("releasing a container's resources failed", {
        id: container.id,
        error: errorMessage(error),
      })
    )
    .finally(() => container.shimFinishing = false);
  log.debug("container exited", { id: container.id, exitCode: exit.exitCode });
  containerEvent(context, container, "die", { exitCode: String(exit.exitCode) });
  container.emit("exit");
  exitHook(container);
}

/**
 * A shim died without recording an exit. Its container may still run with
 * nobody owning its output: the runtime kills and forgets it, and the
 * container is recorded with exit code 255 and the reason.
 */
export async function recordShimDeath(context: DaemonContext, container: Container): Promise<void> {
  try {
    await context.runtimes.driver(container.record.runtime).delete(container.id);
  } catch (error) {
    if (!(error instanceof RuntimeError && error.containerGone)) {
      log.warn("could not delete a container whose shim died", {
        id: container.id,
        error: errorMessage(error),
      });
    }
  }
  const message = "the container's shim died unexpectedly, so its output and exit status " +
    "were lost; the container was killed";
  log.warn(message, { id: container.id });
  container.record.state = {
    ...container.state,
    Status: "exited",
    Pid: 0,
    ExitCode: 255,
    Error: message,
    FinishedAt: formatRfc3339Nano(preciseNow()),
  };
  delete container.record.shimProtocol;
  stopHealthMonitor(container);
  freePublishedPorts(context, container);
  await container.save();
  await releaseRuntimeResources(context, container);
  containerEvent(context, container, "die", { exitCode: "255" });
  container.emit("exit");
  exitHook(container);
}

/** Stop following every shim (daemon shutdown); shims and containers go on. */
export function disconnectShims(): void {
  disconnecting = true;
  for (const connection of connections.values()) connection.close();
  connections.clear();
}
