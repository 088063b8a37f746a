/**
 * A container on its network: connected when it starts (its address and
 * ports taken at once, the host's plumbing done while the rest of the
 * start goes on) and disconnected when its runtime resources are released.
 * The bridge networks (the default one and user-defined ones) have
 * something to do; none and host have nothing.
 * @module
 */

import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, Conflict, NotFound } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import { BRIDGE_NETWORK, type BridgeNetwork } from "./bridge_network.ts";
import { activateNetwork } from "./user_networks.ts";
import { requestedPorts } from "./port_bindings.ts";
import { parseIpv4 } from "./ipv4.ts";

/** The bridge of network `mode` (the default one or a user-defined one). */
function bridgeFor(context: DaemonContext, mode: string): BridgeNetwork | undefined {
  return mode === BRIDGE_NETWORK ? context.bridge : context.networks.find(mode)?.bridge;
}

/**
 * Give a starting container its endpoint (in its record) and start setting
 * it up; the promise settles when the host side is ready (undefined when
 * its network needs nothing). With `createdPid`, the namespace is the one
 * the runtime made for that process (a remapped container's must belong to
 * its user namespace), set up once it is there.
 */
export function connectContainer(
  context: DaemonContext,
  container: Container,
  createdPid?: Promise<number>,
): Promise<void> | undefined {
  const { record } = container;
  const mode = record.hostConfig.NetworkMode;
  if (mode === "none" || mode === "host" || mode.startsWith("container:")) return undefined;
  const user = mode === BRIDGE_NETWORK ? undefined : context.networks.find(mode);
  const bridge = bridgeFor(context, mode);
  if (!bridge) {
    if (mode !== BRIDGE_NETWORK) throw new NotFound(`network ${mode} not found`);
    throw new ApiError(500, "the bridge network is off (the daemon runs with --bridge none)");
  }
  const ports = requestedPorts(
    record.hostConfig.PortBindings,
    Boolean(record.hostConfig.PublishAllPorts),
    record.config.ExposedPorts,
  );
  const wanted = record.requestedIpv4 ? parseIpv4(record.requestedIpv4) : undefined;
  const endpoint = bridge.allocate(container.id, ports, wanted);
  // On a user-defined network the network's name server answers.
  if (user) endpoint.dnsServer = endpoint.gateway;
  record.endpoint = endpoint;
  return (async () => {
    // On disk before the host has any of it: after a crash the record
    // still says what to take down.
    await container.save({ durable: false });
    if (user) await activateNetwork(context, user);
    await bridge.connect(container.id, endpoint, { pid: await createdPid });
  })();
}

/**
 * The running container whose network namespace `container` joins
 * (`--network container:ID`); undefined for other network modes.
 */
export function joinedContainer(
  context: DaemonContext,
  container: Container,
): Container | undefined {
  const mode = container.record.hostConfig.NetworkMode;
  if (!mode.startsWith("container:")) return undefined;
  const id = mode.slice("container:".length);
  const target = context.containers.find(id);
  if (!target?.isRunning || !target.state.Pid) {
    throw new Conflict(`cannot join network of a non running container: ${id}`);
  }
  return target;
}

/** Hold again the endpoint of a container that kept running while the daemon was down. */
export function reserveEndpoint(context: DaemonContext, container: Container): void {
  const { endpoint, hostConfig } = container.record;
  if (endpoint) bridgeFor(context, hostConfig.NetworkMode)?.reserve(container.id, endpoint);
}

/**
 * The container has exited: its published ports are free for others at
 * once (docker's behaviour), while its endpoint is taken down afterwards.
 */
export function freePublishedPorts(context: DaemonContext, container: Container): void {
  const { endpoint, hostConfig } = container.record;
  if (endpoint) bridgeFor(context, hostConfig.NetworkMode)?.releasePorts(container.id);
}

/**
 * Take the container's endpoint down (whatever part of it is up) and free
 * it. A failure is logged, never thrown: the rest of the release goes on.
 */
export async function disconnectContainer(
  context: DaemonContext,
  container: Container,
): Promise<void> {
  const { endpoint, hostConfig } = container.record;
  if (!endpoint) return;
  try {
    await bridgeFor(context, hostConfig.NetworkMode)?.release(container.id);
  } catch (error) {
    log.warn("taking a container's network down failed", {
      id: container.id,
      error: errorMessage(error),
    });
  }
  delete container.record.endpoint;
}

/**
 * After a restart: take down the endpoints on the daemon's bridges whose
 * container is gone (removed while a killed daemon was taking its network
 * down). Asked per endpoint, so a container starting meanwhile is known.
 */
export async function removeOrphanEndpoints(context: DaemonContext): Promise<void> {
  const exists = (shortId: string) =>
    context.containers.list().some((container) => container.id.startsWith(shortId));
  const bridges = [context.bridge, ...context.networks.list().map((network) => network.bridge)];
  for (const bridge of bridges) {
    const removed = await bridge?.removeOrphans(exists);
    if (removed?.length) log.info("removed orphaned network endpoints", { ids: removed });
  }
}
