/**
 * A container on its network: connected when it starts (its address and
 * ports taken at once, the host's plumbing done while the rest of the
 * start goes on) and disconnected when its runtime resources are released.
 * Only the bridge network has anything to do; none and host have nothing.
 * @module
 */

import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import { BRIDGE_NETWORK } from "./bridge_network.ts";
import { requestedPorts } from "./port_bindings.ts";

/**
 * Give a starting container its endpoint (in its record) and start setting
 * it up; the promise settles when the host side is ready (undefined when
 * its network needs nothing).
 */
export function connectContainer(
  context: DaemonContext,
  container: Container,
): Promise<void> | undefined {
  const { record } = container;
  if (record.hostConfig.NetworkMode !== BRIDGE_NETWORK) return undefined;
  const bridge = context.bridge;
  if (!bridge) {
    throw new ApiError(500, "the bridge network is off (the daemon runs with --bridge none)");
  }
  const ports = requestedPorts(
    record.hostConfig.PortBindings,
    Boolean(record.hostConfig.PublishAllPorts),
    record.config.ExposedPorts,
  );
  const endpoint = bridge.allocate(container.id, ports);
  record.endpoint = endpoint;
  return (async () => {
    // On disk before the host has any of it: after a crash the record
    // still says what to take down.
    await container.save({ durable: false });
    await bridge.connect(container.id, endpoint);
  })();
}

/** Hold again the endpoint of a container that kept running while the daemon was down. */
export function reserveEndpoint(context: DaemonContext, container: Container): void {
  const { endpoint } = container.record;
  if (endpoint) context.bridge?.reserve(container.id, endpoint);
}

/**
 * The container has exited: its published ports are free for others at
 * once (docker's behaviour), while its endpoint is taken down afterwards.
 */
export function freePublishedPorts(context: DaemonContext, container: Container): void {
  if (container.record.endpoint) context.bridge?.releasePorts(container.id);
}

/**
 * Take the container's endpoint down (whatever part of it is up) and free
 * it. A failure is logged, never thrown: the rest of the release goes on.
 */
export async function disconnectContainer(
  context: DaemonContext,
  container: Container,
): Promise<void> {
  if (!container.record.endpoint) return;
  try {
    await context.bridge?.release(container.id);
  } catch (error) {
    log.warn("taking a container's network down failed", {
      id: container.id,
      error: errorMessage(error),
    });
  }
  delete container.record.endpoint;
}
