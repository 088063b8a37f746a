/**
 * POST /containers/{id}/update (`docker update`): resource limits and the
 * restart policy. The limits are checked together with those already set;
 * a running or paused container gets them through the runtime's `update`
 * before they are recorded, so a refusal changes nothing.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import {
  normalizeResources,
  ociResources,
  RESOURCE_FIELDS,
  type ResourceLimits,
} from "../oci/resources.ts";
import { hostCpus } from "../system/host_cpus.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { normalizeRestartPolicy } from "./restart_policy.ts";

/** Apply an update request; returns docker's warnings (none). */
export function updateContainer(
  context: DaemonContext,
  container: Container,
  request: Record<string, unknown>,
): Promise<{ Warnings: string[] }> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  // docker sends every field; zero (or empty) means "leave as it is".
  const changed = RESOURCE_FIELDS.filter((field) => {
    const value = request[field];
    return value !== undefined && value !== null && value !== 0 && value !== "";
  });
  return container.lock.run(async () => {
    const hostConfig = container.record.hostConfig;
    // The docker CLI sends an empty policy when --restart is not given.
    const policy = request.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | null;
    const restartPolicy = policy?.Name
      ? normalizeRestartPolicy(policy, hostConfig.AutoRemove)
      : undefined;
    let limits: ResourceLimits | undefined;
    if (changed.length > 0) {
      const merged: ResourceLimits = { ...hostConfig };
      for (const field of changed) (merged as Record<string, unknown>)[field] = request[field];
      limits = normalizeResources(merged, hostCpus());
      if (container.isRunning) {
        const file = `${container.paths.dir}/resources.json`;
        await Deno.writeTextFile(file, JSON.stringify(ociResources(limits)));
        try {
          await context.runtimes.driver(container.record.runtime).update(container.id, file);
        } finally {
          await Deno.remove(file).catch(() => {});
        }
      }
    }
    if (!limits && !restartPolicy) return { Warnings: [] };
    container.record.hostConfig = {
      ...hostConfig,
      ...limits,
      Memory: limits?.Memory ?? hostConfig.Memory,
      ...(restartPolicy ? { RestartPolicy: restartPolicy } : {}),
    };
    await container.save();
    containerEvent(context, container, "update");
    return { Warnings: [] };
  });
}
