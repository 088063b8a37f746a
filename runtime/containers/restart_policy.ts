/**
 * docker's restart policies (`--restart no|always|unless-stopped|
 * on-failure[:N]`): after an exit the daemon starts the container again,
 * after a delay that starts at 100 ms and doubles up to a minute (back to
 * 100 ms once a run lasted 10 s); the container is "restarting" meanwhile.
 * A stop (or a kill with the stop signal) is not restarted; a daemon start
 * starts what the policy says should run.
 * @module
 */

import { parseRfc3339 } from "../../protocol/timestamp.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import type { Container } from "./container.ts";

/** The policies docker knows. */
export const RESTART_POLICIES = ["no", "always", "unless-stopped", "on-failure"] as const;

/** A container's restart policy, as HostConfig.RestartPolicy spells it. */
export interface RestartPolicy {
  Name: typeof RESTART_POLICIES[number];
  MaximumRetryCount: number;
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
/** A run at least this long resets the delay. */
const STABLE_RUN_MS = 10_000;

/** Check a requested policy the way docker's daemon does. */
export function normalizeRestartPolicy(
  requested: { Name?: string; MaximumRetryCount?: number } | undefined,
  autoRemove: boolean,
): RestartPolicy {
  const name = requested?.Name || "no";
  const retries = requested?.MaximumRetryCount ?? 0;
  if (!(RESTART_POLICIES as readonly string[]).includes(name)) {
    throw new BadRequest(`invalid restart policy '${name}'`);
  }
  if (!Number.isInteger(retries) || retries < 0) {
    throw new BadRequest("invalid restart policy: maximum retry count cannot be negative");
  }
  if (retries > 0 && name !== "on-failure") {
    throw new BadRequest(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
  }
  if (autoRemove && name !== "no") {
    throw new BadRequest("can't create 'AutoRemove' container with restart policy");
  }
  return { Name: name as RestartPolicy["Name"], MaximumRetryCount: retries };
}

/** Whether `policy` restarts a container that exited with `exitCode` after `restarts` restarts. */
export function policyRestarts(policy: RestartPolicy, exitCode: number, restarts: number): boolean {
  switch (policy.Name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure":
      return exitCode !== 0 &&
        (policy.MaximumRetryCount === 0 || restarts < policy.MaximumRetryCount);
    default:
      return false;
  }
}

/** The delay before the next restart, from the last one and how long the run lasted. */
export function nextRestartDelay(previousMs: number, ranMs: number): number {
  if (previousMs <= 0 || ranMs >= STABLE_RUN_MS) return FIRST_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}

/** Restarts waiting for their delay, by container id. */
const pending = new Map<string, ReturnType<typeof setTimeout>>();
/** The delay of each container's last restart. */
const delays = new Map<string, number>();

/** Start function, given by the start module (which imports this one). */
type Starter = (context: DaemonContext, container: Container) => Promise<void>;

/**
 * After an exit: schedule the restart the policy asks for, unless the
 * exit was asked for (stop, kill) or the container is going away.
 */
export async function restartAfterExit(
  context: DaemonContext,
  container: Container,
  start: Starter,
): Promise<void> {
  const { record } = container;
  if (pending.has(container.id)) {
    // The same exit reported again (a restarted daemon reads it once more).
    record.state = { ...record.state, Status: "restarting" };
    return;
  }
  const stoppedOnPurpose = container.exitOnNext || record.manuallyStopped === true;
  container.exitOnNext = false;
  if (container.removing || stoppedOnPurpose) return;
  const policy = record.hostConfig.RestartPolicy as RestartPolicy;
  if (!policyRestarts(policy, record.state.ExitCode, record.restartCount)) return;
  const ranMs = parseRfc3339(record.state.FinishedAt) - parseRfc3339(record.state.StartedAt);
  await schedule(context, container, start, nextRestartDelay(delays.get(container.id) ?? 0, ranMs));
}

/** At daemon start: start a stopped container its policy says should run. */
export async function restartAtDaemonStart(
  context: DaemonContext,
  container: Container,
  start: Starter,
): Promise<void> {
  if (container.isRunning || pending.has(container.id) || container.removing) return;
  const { record } = container;
  const status = record.state.Status;
  if (status !== "exited" && status !== "restarting") return;
  const policy = record.hostConfig.RestartPolicy as RestartPolicy;
  const wanted = policy.Name === "always" ||
    (policy.Name === "unless-stopped" && !record.manuallyStopped) ||
    (policy.Name === "on-failure" && record.state.ExitCode !== 0 &&
      policyRestarts(policy, record.state.ExitCode, record.restartCount));
  if (wanted) await schedule(context, container, start, 0);
  else if (status === "restarting") {
    record.state = { ...record.state, Status: "exited" };
    await container.save();
  }
}

async function schedule(
  context: DaemonContext,
  container: Container,
  start: Starter,
  delayMs: number,
): Promise<void> {
  delays.set(container.id, delayMs);
  container.record.state = { ...container.state, Status: "restarting" };
  await container.save({ durable: false });
  const timer = setTimeout(() => {
    pending.delete(container.id);
    container.lock.run(async () => {
      if (container.removing || container.state.Status !== "restarting") return;
      container.record.restartCount++;
      try {
        await start(context, container);
      } catch (error) {
        log.warn("restarting a container failed", {
          id: container.id,
          error: errorMessage(error),
        });
        container.record.state = { ...container.state, Status: "exited" };
        await container.save();
        await restartAfterExit(context, container, start);
      }
    }).catch((error) =>
      log.error("a restart failed", { id: container.id, error: errorMessage(error) })
    );
  }, delayMs);
  pending.set(container.id, timer);
}

/**
 * Cancel a restart (stop, rm -f, start, restart by hand): the container is
 * then simply exited, also when its delay is over and the restart waits
 * for the lock (it finds the container no longer restarting). Returns
 * whether it was restarting.
 */
export async function cancelRestart(container: Container): Promise<boolean> {
  dropPending(container);
  if (container.state.Status !== "restarting") return false;
  container.record.state = { ...container.state, Status: "exited" };
  await container.save();
  return true;
}

/** Forget a container's pending restart and backoff (a removal, a start by hand). */
export function forgetRestarts(container: Container): void {
  dropPending(container);
  delays.delete(container.id);
}

function dropPending(container: Container): void {
  clearTimeout(pending.get(container.id));
  pending.delete(container.id);
}

/**
 * A start or restart by hand: a pending restart is dropped, and the
 * restart count and backoff begin again (as docker resets its restart
 * manager).
 */
export async function resetRestarts(container: Container): Promise<void> {
  await cancelRestart(container);
  delays.delete(container.id);
  container.record.restartCount = 0;
}
