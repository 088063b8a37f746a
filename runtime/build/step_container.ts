/**
 * The containers a build's steps run in: created from the stage's current
 * image with the build's network mode, extra hosts, shm size and limits
 * (no published ports, no healthcheck, no restart), run with their output
 * attached from the shim before the runtime starts them, and removed with
 * their anonymous volumes afterwards.
 * @module
 */

import { FrameReader } from "../../protocol/stream_framing.ts";
import type { Container } from "../containers/container.ts";
import { createContainer } from "../containers/create.ts";
import { removeContainer } from "../containers/remove.ts";
import { shimAttachment } from "../containers/attach.ts";
import { startContainer } from "../containers/start.ts";
import { prepareWait } from "../containers/wait.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";

/**
 * The label of step containers: a daemon that starts finds those of builds
 * it was running when it stopped (their clients' connections died with it)
 * and removes them.
 */
export const BUILD_STEP_LABEL = "io.berth.build-step";

/** The host side of every step container of one build. */
export interface StepHostConfig {
  NetworkMode?: string;
  ExtraHosts?: string[];
  ShmSize?: number;
  Memory?: number;
  MemorySwap?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  CgroupParent?: string;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
}

/** Create a (not started) container for a step; `command` is what RUN runs. */
export function createStepContainer(
  context: DaemonContext,
  image: string,
  command: string[],
  env: string[],
  host: StepHostConfig,
): Promise<Container> {
  return createContainer(context, undefined, {
    Image: image,
    Entrypoint: [""],
    Cmd: command,
    Env: env,
    AttachStdout: true,
    AttachStderr: true,
    Healthcheck: { Test: ["NONE"] },
    Labels: { [BUILD_STEP_LABEL]: "true" },
    HostConfig: {
      ...host,
      NetworkMode: host.NetworkMode || "default",
      LogConfig: { Type: "none", Config: {} },
    },
  });
}

/**
 * Start the container and stream its output (stdout and stderr as they
 * come) to `write` until it exits; returns its exit code. An abort kills
 * and removes it.
 */
export async function runStepContainer(
  context: DaemonContext,
  container: Container,
  write: (text: string) => Promise<void>,
  signal: AbortSignal,
): Promise<number> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const exited = prepareWait(container, "next-exit");
  const attaching = shimAttachment(
    context,
    container,
    { stdin: false, stdout: true, stderr: true, detachKeys: null },
    aborted,
  );
  try {
    await startContainer(context, container);
  } catch (error) {
    exited.cancel();
    throw error;
  }
  const attachment = await attaching;
  if (attachment) {
    const frames = new FrameReader();
    const text = new TextDecoder();
    const send = (bytes: Uint8Array) => {
      const payload = frames.payloads(bytes);
      return payload.length ? write(text.decode(payload, { stream: true })) : Promise.resolve();
    };
    const close = () => {
      try {
        attachment.conn.close();
      } catch {
        // closed already
      }
    };
    // An abort ends the read the loop waits in.
    signal.addEventListener("abort", close, { once: true });
    try {
      if (attachment.initial.length) await send(attachment.initial);
      const buffer = new Uint8Array(64 * 1024);
      while (!signal.aborted) {
        const count = await attachment.conn.read(buffer);
        if (count === null) break;
        await send(buffer.subarray(0, count));
      }
    } catch {
      // the shim closed the stream
    } finally {
      signal.removeEventListener("abort", close);
      close();
    }
  }
  await Promise.race([exited.promise, aborted]);
  if (signal.aborted) {
    exited.cancel();
    throw new BuildCancelled();
  }
  return (await exited.promise).StatusCode;
}

/** The client went away: the build stops. */
export class BuildCancelled extends Error {
  constructor() {
    super("the build was cancelled");
  }
}

/** Remove a step's container (killed if it still runs) and its anonymous volumes. */
export async function removeStepContainer(
  context: DaemonContext,
  container: Container,
): Promise<void> {
  if (context.containers.find(container.id) !== container) return;
  await removeContainer(context, container, { force: true, volumes: true });
}

/** A step container the build keeps (`rm=false`): no longer a step, so no daemon removes it. */
export async function keepStepContainer(container: Container): Promise<void> {
  delete container.record.config.Labels[BUILD_STEP_LABEL];
  await container.save();
}

/** Remove the step containers of builds a previous daemon did not finish. */
export async function removeAbandonedSteps(context: DaemonContext): Promise<void> {
  for (const container of context.containers.list()) {
    if (container.record.config.Labels?.[BUILD_STEP_LABEL] === undefined) continue;
    log.info("removing the step container of an unfinished build", { id: container.id });
    await removeStepContainer(context, container).catch((error) =>
      log.warn("removing a build's step container failed", {
        id: container.id,
        error: errorMessage(error),
      })
    );
  }
}
