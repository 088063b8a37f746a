/**
 * `network connect` and `network disconnect` (POST /networks/{id}/connect
 * and /disconnect): a created container's record gains or loses the
 * network, for its next start; a running one also gets its endpoint set up
 * or taken down at once (a veth as its next free ethN), with its default
 * route, /etc/hosts and resolv.conf kept right. docker's refusals, words and
 * status codes; a failed connect leaves nothing behind.
 * @module
 */

import type { Container } from "../containers/container.ts";
import { containerHostname, refreshEtcFiles } from "../containers/etc_files.ts";
import { checkEndpointConfig } from "../containers/host_options.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, BadRequest, Conflict, Forbidden, NotFound } from "../errors.ts";
import {
  attachmentOf,
  attachmentTo,
  freeInterface,
  liveEndpoints,
  type NetworkAttachment,
  withShortIdAlias,
} from "./attachments.ts";
import { makeSandbox, MAX_INTERFACES, setDefaultRoute } from "./bridge_driver.ts";
import {
  allocateEndpoint,
  plugEndpoint,
  routingAttachment,
  unplugEndpoint,
} from "./container_network.ts";
import { formatIpv4 } from "./ipv4.ts";
import { findNetwork, type NetworkView } from "./networks.ts";

/** What POST /networks/{id}/connect carries. */
export interface ConnectRequest {
  Container?: string;
  EndpointConfig?: unknown;
}

/** What POST /networks/{id}/disconnect carries. */
export interface DisconnectRequest {
  Container?: string;
  Force?: boolean;
}

function checkBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  const container = (body as Record<string, unknown>).Container;
  if (typeof container !== "string" || container === "") {
    throw new BadRequest("a container (its name or id) is required");
  }
  return body as Record<string, unknown>;
}

/** Refuse what docker refuses for this container and network, whatever the endpoint asks. */
function checkConnectable(container: Container, network: NetworkView): void {
  const mode = container.record.hostConfig.NetworkMode;
  if (!network.bridge && mode === network.name) throw alreadyConnected(container, network);
  if (network.driver === "host" && mode !== "host") {
    throw new BadRequest(
      "cannot connect container to host network - container must be created in host network mode",
    );
  }
  if (mode === "host" || mode.startsWith("container:")) {
    throw new BadRequest(
      "container sharing network namespace with another container or host cannot be connected to any other network",
    );
  }
  if (mode === "none" || network.driver === "null") {
    throw new BadRequest(
      "container cannot be connected to multiple networks with one of the networks in private (none) mode",
    );
  }
  if (container.removing) {
    throw new Conflict(
      `Container ${container.id} is marked for removal and cannot be connected or disconnected to the network`,
    );
  }
}

function alreadyConnected(container: Container, network: NetworkView): Forbidden {
  return new Forbidden(
    `endpoint with name ${container.name} already exists in network ${network.name}`,
  );
}

/** POST /networks/{id}/connect */
export async function connectToNetwork(
  context: DaemonContext,
  networkRef: string,
  body: ConnectRequest,
): Promise<void> {
  const request = checkBody(body);
  const network = findNetwork(context, networkRef);
  const container = context.containers.get(request.Container as string);
  checkConnectable(container, network);
  const checked = checkEndpointConfig(request.EndpointConfig, network.user !== undefined);
  await container.lock.run(async () => {
    const { record } = container;
    if (attachmentTo(record.networks, network.name)) throw alreadyConnected(container, network);
    if (record.networks.length >= MAX_INTERFACES) {
      throw new Forbidden(`a berth container joins ${MAX_INTERFACES} networks at most`);
    }
    const aliases = network.user
      ? withShortIdAlias(checked.aliases, container.id)
      : checked.aliases;
    const attachment = attachmentOf(network.name, { ...checked, aliases });
    if (container.isRunning) await plugLive(context, container, attachment);
    else record.networks.push(attachment);
    await container.save();
  });
  context.events.emit("network", "connect", network.id, {
    container: container.id,
    name: network.name,
    type: network.driver,
  });
}

/**
 * Connect a running container: the endpoint allocated, on disk, then set
 * up; on failure everything it took is given back and the record is as it
 * was.
 */
async function plugLive(
  context: DaemonContext,
  container: Container,
  attachment: NetworkAttachment,
): Promise<void> {
  const { record } = container;
  const before = routingAttachment(context, container);
  const first = liveEndpoints(record.networks).length === 0;
  allocateEndpoint(context, container, attachment, {
    interfaceName: freeInterface(record.networks),
  });
  record.networks.push(attachment);
  try {
    await container.save({ durable: false });
    // With an endpoint, its namespace is pinned already. Without one it
    // may be the runtime's (it started on no network): pinned now, from
    // its init (again, should it have been pinned: the same namespace).
    if (first) await makeSandbox(container.id, record.state.Pid);
    await plugEndpoint(context, container, attachment);
    await afterChange(context, container, before);
  } catch (error) {
    await unplugEndpoint(context, container, attachment);
    record.networks.splice(record.networks.indexOf(attachment), 1);
    await afterChange(context, container, routingAttachment(context, container)).catch(() => {});
    throw error instanceof ApiError ? error : new ApiError(500, `${error}`);
  }
}

/** POST /networks/{id}/disconnect */
export async function disconnectFromNetwork(
  context: DaemonContext,
  networkRef: string,
  body: DisconnectRequest,
): Promise<void> {
  const request = checkBody(body);
  const force = request.Force === true;
  const container = context.containers.get(request.Container as string);
  // With Force, a network that is gone still comes off the container's record.
  const network = force ? findNetworkOrName(context, networkRef) : findNetwork(context, networkRef);
  const name = network.name;
  if (container.record.hostConfig.NetworkMode === "host" && name === "host") {
    throw new BadRequest(
      "cannot disconnect container from host network - container was created in host network mode",
    );
  }
  await container.lock.run(async () => {
    const { record } = container;
    const attachment = attachmentTo(record.networks, name);
    if (!attachment) {
      throw new ApiError(500, `container ${container.id} is not connected to network ${name}`);
    }
    const before = routingAttachment(context, container);
    if (attachment.endpoint) await unplugEndpoint(context, container, attachment);
    record.networks.splice(record.networks.indexOf(attachment), 1);
    await container.save();
    if (container.isRunning) await afterChange(context, container, before);
  });
  context.events.emit("network", "disconnect", network.id, {
    container: container.id,
    name,
    type: network.driver,
  });
}

/** The network `ref` names, or (gone) a stand-in by that name. */
function findNetworkOrName(context: DaemonContext, ref: string): NetworkView {
  try {
    return findNetwork(context, ref);
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    return { name: ref, id: "", driver: "bridge", created: "" };
  }
}

/**
 * After a running container gained or lost an endpoint: its default route
 * through the first network with a way out (it was `before`'s), and its
 * /etc/hosts and resolv.conf as its endpoints now are.
 */
async function afterChange(
  context: DaemonContext,
  container: Container,
  before: NetworkAttachment | undefined,
): Promise<void> {
  const now = routingAttachment(context, container);
  if (now !== before) {
    const endpoint = now?.endpoint;
    await setDefaultRoute(
      container.id,
      endpoint && {
        gateway: endpoint.gateway,
        ipv6Gateway: endpoint.ipv6Gateway,
        inside: endpoint.interfaceName ?? "eth0",
      },
    );
  }
  await refreshEtcFiles(
    container,
    containerHostname(context, container),
    context.bridge && formatIpv4(context.bridge.gateway.address),
  );
}
