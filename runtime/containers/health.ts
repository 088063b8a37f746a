/**
 * Docker's healthchecks (Config.Healthcheck, an image's HEALTHCHECK): while
 * a container runs, its test runs as an exec every Interval; State.Health
 * says starting, healthy or unhealthy (after Retries failures in a row;
 * failures in the StartPeriod do not count), with the last five results.
 * Each change of status is a `health_status` event.
 * @module
 */

import { PassThrough } from "node:stream";
import { concatBytes } from "../../lib/bytes.ts";
import { formatRfc3339Nano, parseRfc3339, preciseNow } from "../../protocol/timestamp.ts";
import { FrameReader } from "../../protocol/stream_framing.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { createExec } from "../execs/create_exec.ts";
import { startExec } from "../execs/start_exec.ts";
import { errorMessage, log } from "../logger.ts";
import { killProcess } from "../system/libc.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { withTimeout } from "../../lib/timeout.ts";

/** Docker's Healthcheck config; durations in nanoseconds. */
export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** One probe's result. */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health. */
export interface HealthState {
  Status: "starting" | "healthy" | "unhealthy";
  FailingStreak: number;
  Log: HealthLogEntry[];
}

const SECOND_NS = 1e9;
const DEFAULTS = {
  Interval: 30 * SECOND_NS,
  Timeout: 30 * SECOND_NS,
  StartInterval: 5 * SECOND_NS,
};
const DEFAULT_RETRIES = 3;
/** Docker keeps this many results, and this much output of each. */
const LOG_ENTRIES = 5;
const OUTPUT_BYTES = 4096;

/** Check a create request's Healthcheck as docker does. */
export function validateHealthcheck(check: unknown): HealthConfig | undefined {
  if (check === undefined || check === null) return undefined;
  if (typeof check !== "object" || Array.isArray(check)) {
    throw new BadRequest("Healthcheck must be an object");
  }
  const config = check as HealthConfig;
  for (const field of ["Interval", "Timeout", "StartPeriod", "StartInterval"] as const) {
    const value = config[field] ?? 0;
    if (typeof value !== "number" || (value !== 0 && value < 1e6)) {
      throw new BadRequest(`${field} in Healthcheck cannot be less than 1ms`);
    }
  }
  if ((config.Retries ?? 0) < 0) throw new BadRequest("Retries in Healthcheck cannot be negative");
  const test = config.Test ?? [];
  if (!Array.isArray(test) || test.some((part) => typeof part !== "string")) {
    throw new BadRequest("Healthcheck Test must be a list of strings");
  }
  if (test.length && !["NONE", "CMD", "CMD-SHELL"].includes(test[0])) {
    throw new BadRequest(`unknown Healthcheck type ${JSON.stringify(test[0])}`);
  }
  return config;
}

/** The container's check merged over its image's (unset fields inherit); undefined for none. */
export function effectiveHealthcheck(
  own: HealthConfig | undefined,
  image: HealthConfig | undefined,
): HealthConfig | undefined {
  const test = own?.Test?.length ? own.Test : image?.Test;
  if (!test?.length || test[0] === "NONE") return undefined;
  const pick = (field: keyof typeof DEFAULTS | "StartPeriod") =>
    own?.[field] || image?.[field] || (field === "StartPeriod" ? 0 : DEFAULTS[field]);
  return {
    Test: test,
    Interval: pick("Interval"),
    Timeout: pick("Timeout"),
    StartPeriod: pick("StartPeriod"),
    StartInterval: pick("StartInterval"),
    Retries: own?.Retries || image?.Retries || DEFAULT_RETRIES,
  };
}

/** The command a test runs. */
function probeCommand(test: string[]): string[] {
  return test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", test.slice(1).join(" ")] : test.slice(1);
}

/** Run one probe as an exec; its exit code and (the start of) its output. */
async function probe(
  context: DaemonContext,
  container: Container,
  check: HealthConfig,
): Promise<{ exitCode: number; output: string }> {
  const exec = createExec(context, container, {
    Cmd: probeCommand(check.Test!),
    AttachStdout: true,
    AttachStderr: true,
  });
  const sink = new PassThrough();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  sink.on("data", (chunk: Uint8Array) => {
    if (kept < OUTPUT_BYTES + 64) chunks.push(chunk);
    kept += chunk.length;
  });
  const timeoutMs = check.Timeout! / 1e6;
  try {
    const finished = startExec(context, exec, { detach: false }, { socket: sink, respond() {} })
      .then(() => exec.exited);
    const inTime = await withTimeout(finished.then(() => true), timeoutMs);
    if (!inTime) {
      // As docker: the probe is killed, so slow probes never pile up.
      if (exec.exitCode === null) killProcess(exec.pid, 9);
      return { exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` };
    }
    const output = new TextDecoder().decode(
      new FrameReader().payloads(concatBytes(chunks)).subarray(0, OUTPUT_BYTES),
    );
    return { exitCode: exec.exitCode ?? -1, output };
  } catch (error) {
    return { exitCode: -1, output: errorMessage(error) };
  } finally {
    context.execs.delete(exec.id);
  }
}

/** Running monitors by container id. */
const monitors = new Map<string, { timer?: ReturnType<typeof setTimeout>; stopped: boolean }>();

/**
 * Start probing a container that has just started (or, after a daemon
 * restart, is found running: its Health is then kept).
 */
export function startHealthMonitor(
  context: DaemonContext,
  container: Container,
  options: { resume?: boolean } = {},
): void {
  stopHealthMonitor(container);
  const image = context.images.byId(container.record.imageId);
  const check = effectiveHealthcheck(
    container.record.config.Healthcheck as HealthConfig | undefined,
    image?.config.config?.Healthcheck as HealthConfig | undefined,
  );
  if (!check) {
    delete container.record.state.Health;
    return;
  }
  if (!options.resume || !container.state.Health) {
    container.record.state.Health = { Status: "starting", FailingStreak: 0, Log: [] };
  }
  const monitor: { timer?: ReturnType<typeof setTimeout>; stopped: boolean } = { stopped: false };
  monitors.set(container.id, monitor);
  const inStartPeriod = () =>
    Date.now() - parseRfc3339(container.state.StartedAt) < check.StartPeriod! / 1e6;
  const schedule = () => {
    const health = container.state.Health;
    const interval = health?.Status === "starting" && inStartPeriod()
      ? check.StartInterval!
      : check.Interval!;
    monitor.timer = setTimeout(run, interval / 1e6);
  };
  const run = async () => {
    if (monitor.stopped) return;
    if (container.state.Status !== "running") return schedule(); // paused: not now
    const start = formatRfc3339Nano(preciseNow());
    const result = await probe(context, container, check);
    const health = container.state.Health;
    if (monitor.stopped || !health) return;
    const before = health.Status;
    health.Log = [...health.Log, {
      Start: start,
      End: formatRfc3339Nano(preciseNow()),
      ExitCode: result.exitCode,
      Output: result.output,
    }].slice(-LOG_ENTRIES);
    if (result.exitCode === 0) {
      health.Status = "healthy";
      health.FailingStreak = 0;
    } else if (!(health.Status === "starting" && inStartPeriod())) {
      health.FailingStreak++;
      if (health.FailingStreak >= check.Retries!) health.Status = "unhealthy";
    }
    if (health.Status !== before) {
      containerEvent(context, container, `health_status: ${health.Status}`);
    }
    await container.save({ durable: false }).catch((error) =>
      log.warn("saving a health result failed", { id: container.id, error: errorMessage(error) })
    );
    schedule();
  };
  schedule();
}

/** Stop probing (the container exited, or goes away). */
export function stopHealthMonitor(container: Container): void {
  const monitor = monitors.get(container.id);
  if (!monitor) return;
  monitor.stopped = true;
  clearTimeout(monitor.timer);
  monitors.delete(container.id);
}

/** ps's note on health: " (healthy)", " (health: starting)", " (unhealthy)" or nothing. */
export function healthNote(health: HealthState | undefined): string {
  if (!health) return "";
  return health.Status === "starting" ? " (health: starting)" : ` (${health.Status})`;
}
