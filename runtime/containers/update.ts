/**
 * POST /containers/{id}/update (`docker update`): the restart policy, for
 * now; resource limits are refused with a clear message.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import type { Container } from "./container.ts";
import { normalizeRestartPolicy } from "./restart_policy.ts";

/** Fields `docker update` sends that berth cannot change yet, when set. */
const RESOURCE_FIELDS = [
  "Memory",
  "MemorySwap",
  "MemoryReservation",
  "CpuShares",
  "CpuPeriod",
  "CpuQuota",
  "CpusetCpus",
  "CpusetMems",
  "NanoCpus",
  "BlkioWeight",
  "PidsLimit",
  "KernelMemory",
];

/** Apply an update request; returns docker's warnings (none). */
export function updateContainer(
  _context: DaemonContext,
  container: Container,
  request: Record<string, unknown>,
): Promise<{ Warnings: string[] }> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  const resources = RESOURCE_FIELDS.filter((field) => {
    const value = request[field];
    return value !== undefined && value !== null && value !== 0 && value !== "";
  });
  if (resources.length > 0) {
    throw new BadRequest(
      `updating ${
        resources.join(", ")
      } is not supported yet: berth updates the restart policy only`,
    );
  }
  return container.lock.run(async () => {
    if (request.RestartPolicy !== undefined) {
      container.record.hostConfig.RestartPolicy = normalizeRestartPolicy(
        request.RestartPolicy as { Name?: string; MaximumRetryCount?: number },
        container.record.hostConfig.AutoRemove,
      );
      await container.save();
    }
    return { Warnings: [] };
  });
}
