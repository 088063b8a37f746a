/**
 * Finding the CRI's pods and containers among the store's containers.
 * @module
 */

import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import type { CriContainerInfo, CriSandboxInfo } from "./cri_record.ts";
import { invalidArgument, notFound } from "./grpc_status.ts";

/** A sandbox's holder, with its record part. */
export type Sandbox = Container & { record: { cri: CriSandboxInfo } };

/** A pod's container, with its record part. */
export type PodContainer = Container & { record: { cri: CriContainerInfo } };

/** True for a pod sandbox's holder. */
export function isSandbox(container: Container): container is Sandbox {
  return container.record.cri?.kind === "sandbox";
}

/** True for a pod's container. */
export function isPodContainer(container: Container): container is PodContainer {
  return container.record.cri?.kind === "container";
}

function byId(context: DaemonContext, id: unknown): Container | undefined {
  if (typeof id !== "string" || !id) throw invalidArgument("an ID is required");
  // Full ids, or unique prefixes (crictl resolves them itself, others may not).
  return context.containers.find(id);
}

/** The sandbox `id`, if it exists. */
export function findSandbox(context: DaemonContext, id: unknown): Sandbox | undefined {
  const container = byId(context, id);
  return container && isSandbox(container) ? container : undefined;
}

/** The sandbox `id`; NotFound otherwise. */
export function getSandbox(context: DaemonContext, id: unknown): Sandbox {
  const sandbox = findSandbox(context, id);
  if (!sandbox) throw notFound(`an error occurred when try to find sandbox: not found: ${id}`);
  return sandbox;
}

/** The pod container `id`, if it exists. */
export function findPodContainer(context: DaemonContext, id: unknown): PodContainer | undefined {
  const container = byId(context, id);
  return container && isPodContainer(container) ? container : undefined;
}

/** The pod container `id`; NotFound otherwise. */
export function getPodContainer(context: DaemonContext, id: unknown): PodContainer {
  const container = findPodContainer(context, id);
  if (!container) throw notFound(`an error occurred when try to find container "${id}": not found`);
  return container;
}

/** Every container of a pod. */
export function containersOf(context: DaemonContext, sandboxId: string): PodContainer[] {
  return context.containers.list().filter((container): container is PodContainer =>
    isPodContainer(container) && container.record.cri.sandboxId === sandboxId
  );
}

/** True while the pod is READY: its holder runs and nobody stopped it. */
export function sandboxReady(sandbox: Sandbox): boolean {
  return sandbox.isRunning && !sandbox.record.cri.stopped;
}
