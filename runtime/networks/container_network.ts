/**
 * A container on its networks: connected when it starts (its addresses and
 * ports taken at once, the host's plumbing done while the rest of the
 * start goes on) and disconnected when its runtime resources are released;
 * one endpoint at a time by `network connect` and `disconnect`. The bridge
 * networks (the default one and user-defined ones) have something to do;
 * none and host have nothing.
 * @module
 */

import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, Conflict, NotFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { errorMessage, log } from "../logger.ts";
import { isBridged, type NetworkAttachment, withShortIdAlias } from "./attachments.ts";
import { type BridgeEndpoint, makeSandbox, removeSandbox } from "./bridge_driver.ts";
import { BRIDGE_NETWORK, type BridgeNetwork } from "./bridge_network.ts";
import { activateNetwork } from "./user_networks.ts";
import { type PublishedPort, requestedPorts } from "./port_bindings.ts";
import { parseIpv4 } from "./ipv4.ts";
import { parseIpv6 } from "./ipv6.ts";

/** The bridge of network `name` (the default one or a user-defined one). */
export function bridgeFor(context: DaemonContext, name: string): BridgeNetwork | undefined {
  return name === BRIDGE_NETWORK ? context.bridge : context.networks.find(name)?.bridge;
}

/** The bridge of `network`, or the error docker gives when it is gone. */
function requireBridge(context: DaemonContext, network: string): BridgeNetwork {
  const bridge = bridgeFor(context, network);
  if (bridge) return bridge;
  if (network !== BRIDGE_NETWORK) throw new NotFound(`network ${network} not found`);
  throw new ApiError(500, "the bridge network is off (the daemon runs with --bridge none)");
}

/** True when `network` is a user-defined network marked internal. */
function isInternal(context: DaemonContext, network: string): boolean {
  return context.networks.find(network)?.record.internal === true;
}

/**
 * Take an address on `attachment`'s network for the container, as interface
 * `interfaceName` (with `ports` published there); its record's attachment
 * gets the endpoint. A conflict throws, with nothing taken.
 */
export function allocateEndpoint(
  context: DaemonContext,
  container: Container,
  attachment: NetworkAttachment,
  options: { interfaceName: string; ports?: PublishedPort[] },
): BridgeEndpoint {
  const bridge = requireBridge(context, attachment.network);
  const wanted = attachment.ipv4Address ? parseIpv4(attachment.ipv4Address) : undefined;
  const endpoint = bridge.allocate(container.id, options.ports ?? [], {
    wantedAddress: wanted,
    wantedIpv6: attachment.ipv6Address ? parseIpv6(attachment.ipv6Address) : undefined,
    interfaceName: options.interfaceName,
    endpointId: newId(),
  });
  if (attachment.network !== BRIDGE_NETWORK) {
    attachment.aliases = withShortIdAlias(attachment.aliases, container.id);
  }
  if (attachment.macAddress) endpoint.macAddress = attachment.macAddress;
  if (attachment.linkLocalIps) endpoint.linkLocalIps = attachment.linkLocalIps;
  // On a user-defined network the network's name server answers.
  if (attachment.network !== BRIDGE_NETWORK) endpoint.dnsServer = endpoint.gateway;
  attachment.endpoint = endpoint;
  return endpoint;
}

/** The attachment whose gateway is the container's default route: the first with a way out. */
export function routingAttachment(
  context: DaemonContext,
  container: Container,
): NetworkAttachment | undefined {
  return container.record.networks.find((attachment) =>
    attachment.endpoint && !isInternal(context, attachment.network)
  );
}

/**
 * Set up on the host an endpoint that {@link allocateEndpoint} gave the
 * container (its namespace made already), its network activated first.
 */
export async function plugEndpoint(
  context: DaemonContext,
  container: Container,
  attachment: NetworkAttachment,
): Promise<void> {
  const user = context.networks.find(attachment.network);
  if (user && attachment.network !== BRIDGE_NETWORK) await activateNetwork(context, user);
  await requireBridge(context, attachment.network).connect(container.id, attachment.endpoint!, {
    defaultRoute: routingAttachment(context, container) === attachment,
  });
}

/**
 * Give a starting container its endpoints (in its record) and start
 * setting them up; the promise settles when the host side is ready
 * (undefined when its networks need nothing). The published ports go to
 * the first network with a way out. With `createdPid`, the namespace is
 * the one the runtime made for that process (a remapped container's must
 * belong to its user namespace), set up once it is there.
 */
export function connectContainer(
  context: DaemonContext,
  container: Container,
  createdPid?: Promise<number>,
): Promise<void> | undefined {
  const { record } = container;
  if (!isBridged(record.hostConfig.NetworkMode) || record.networks.length === 0) return undefined;
  const ports = requestedPorts(
    record.hostConfig.PortBindings,
    Boolean(record.hostConfig.PublishAllPorts),
    record.config.ExposedPorts,
  );
  const publishing = record.networks.find((item) => !isInternal(context, item.network));
  try {
    record.networks.forEach((attachment, index) =>
      allocateEndpoint(context, container, attachment, {
        interfaceName: `eth${index}`,
        ports: attachment === publishing ? ports : [],
      })
    );
  } catch (error) {
    releaseAllocations(context, container);
    throw error;
  }
  return (async () => {
    // On disk before the host has any of it: after a crash the record
    // still says what to take down.
    await container.save({ durable: false });
    await makeSandbox(container.id, await createdPid);
    for (const attachment of record.networks) await plugEndpoint(context, container, attachment);
  })();
}

/** Give back the addresses and ports of endpoints not set up on the host. */
function releaseAllocations(context: DaemonContext, container: Container): void {
  for (const attachment of container.record.networks) {
    if (!attachment.endpoint) continue;
    bridgeFor(context, attachment.network)?.forget(container.id);
    delete attachment.endpoint;
  }
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

/** Hold again the endpoints of a container that kept running while the daemon was down. */
export function reserveEndpoints(context: DaemonContext, container: Container): void {
  for (const attachment of container.record.networks) {
    if (attachment.endpoint) {
      bridgeFor(context, attachment.network)?.reserve(container.id, attachment.endpoint);
    }
  }
}

/**
 * The container has exited: its published ports are free for others at
 * once (docker's behaviour), while its endpoints are taken down afterwards.
 */
export function freePublishedPorts(context: DaemonContext, container: Container): void {
  for (const attachment of container.record.networks) {
    if (attachment.endpoint) bridgeFor(context, attachment.network)?.releasePorts(container.id);
  }
}

/**
 * Take one endpoint down (whatever part of it is up) and free it; the
 * attachment stays. A failure is logged, never thrown.
 */
export async function unplugEndpoint(
  context: DaemonContext,
  container: Container,
  attachment: NetworkAttachment,
): Promise<void> {
  const endpoint = attachment.endpoint;
  if (!endpoint) return;
  try {
    await bridgeFor(context, attachment.network)?.release(container.id, endpoint);
  } catch (error) {
    log.warn("taking a container's network down failed", {
      id: container.id,
      network: attachment.network,
      error: errorMessage(error),
    });
  }
  delete attachment.endpoint;
}

/**
 * Take the container's endpoints and its network namespace down (whatever
 * part of them is up) and free them. Failures are logged, never thrown:
 * the rest of the release goes on.
 */
export async function disconnectContainer(
  context: DaemonContext,
  container: Container,
): Promise<void> {
  const { record } = container;
  if (!isBridged(record.hostConfig.NetworkMode)) return;
  // The namespace first: its veths go with it, so a daemon killed after
  // this leaves no veth (which is how the next one finds orphans) and
  // no namespace. Even with every endpoint disconnected while it ran, the
  // namespace was made.
  await removeSandbox(container.id);
  for (const attachment of record.networks) await unplugEndpoint(context, container, attachment);
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
