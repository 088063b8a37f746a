/**
 * Docker's network objects and operations: the predefined `bridge` (the
 * default, unless the daemon runs with `--bridge none`), `host` (the
 * host's network namespace) and `none` (loopback only), which cannot be
 * created or removed, and user-defined bridge networks (`network create`),
 * as `network ls`, `network inspect` and docker-py's `networks` see them.
 * @module
 */

import type { Filters } from "../filters.ts";
import { matchesLabel } from "../filters.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, Forbidden, NotFound } from "../errors.ts";
import { type BridgeNetwork, endpointId } from "./bridge_network.ts";
import { formatIpv4, subnetText } from "./ipv4.ts";
import { formatIpv6, type Ipv6Cidr, ipv6SubnetText } from "./ipv6.ts";
import type { NetworkRequest, UserNetwork } from "./network_store.ts";
import { activateNetwork, hostSubnets } from "./user_networks.ts";
import { attachmentTo } from "./attachments.ts";

/** A predefined network: its name, docker's driver name for it, a stable id. */
interface Predefined {
  name: string;
  driver: string;
  /** sha256 of "berth network NAME": the same on every daemon and every start. */
  id: string;
}

const PREDEFINED: Predefined[] = [
  {
    name: "bridge",
    driver: "bridge",
    id: "e9e1049f81e48b42a2c0e5605ea2c1dcc6a64f6832f8244fce0a28714efeec84",
  },
  {
    name: "host",
    driver: "host",
    id: "93a334fad31ee0953cf8e4ab84f16db76136f55f46757718b458f08aebe4e755",
  },
  {
    name: "none",
    driver: "null",
    id: "e66767f0d6e8dbf6dd9ae2cbfe1ef37bf9b2abb2f5766fe9ac44d42954a77a70",
  },
];

/** Any network as the API shows it: a predefined one or a user-defined one. */
export interface NetworkView {
  name: string;
  id: string;
  driver: string;
  created: string;
  /** The bridge behind it (the default bridge, or a user-defined network's). */
  bridge?: BridgeNetwork;
  /** Set for user-defined networks. */
  user?: UserNetwork;
}

/** The id of a container's network (its NetworkMode), "" when there is none such. */
export function networkIdOf(context: DaemonContext, mode: string): string {
  return PREDEFINED.find((network) => network.name === mode)?.id ??
    context.networks.find(mode)?.record.id ?? "";
}

/** The networks this daemon has (no default bridge with `--bridge none`). */
function allNetworks(context: DaemonContext): NetworkView[] {
  const predefined = PREDEFINED.filter((network) => network.driver !== "bridge" || context.bridge)
    .map((network) => ({
      ...network,
      created: context.createdAt,
      bridge: network.driver === "bridge" ? context.bridge : undefined,
    }));
  const user = context.networks.list().map((network) => ({
    name: network.record.name,
    id: network.record.id,
    driver: "bridge",
    created: network.record.created,
    bridge: network.bridge,
    user: network,
  }));
  return [...predefined, ...user];
}

/** A network by name, full id or id prefix; NotFound otherwise. */
export function findNetwork(context: DaemonContext, ref: string): NetworkView {
  const networks = allNetworks(context);
  const network = networks.find((item) => item.name === ref || item.id === ref) ??
    (ref.length > 0 ? networks.find((item) => item.id.startsWith(ref)) : undefined);
  if (!network) throw new NotFound(`network ${ref} not found`);
  return network;
}

/** The containers (running or not) connected to `network`. */
function containersOn(context: DaemonContext, network: NetworkView) {
  return context.containers.list().filter((container) =>
    network.bridge
      ? attachmentTo(container.record.networks, network.name) !== undefined
      : container.record.hostConfig.NetworkMode === network.name
  );
}

/** The IPv6 entry of a network's IPAM config (none without IPv6). */
function ipv6Config(gateway: Ipv6Cidr | undefined, range: string | undefined) {
  return gateway
    ? [{
      Subnet: ipv6SubnetText(gateway),
      Gateway: formatIpv6(gateway.address),
      ...(range ? { IPRange: range } : {}),
    }]
    : [];
}

function networkObject(context: DaemonContext, network: NetworkView, withContainers: boolean) {
  const bridge = network.bridge;
  const record = network.user?.record;
  const containers: Record<string, unknown> = {};
  if (withContainers) {
    for (const container of containersOn(context, network)) {
      if (!container.isRunning) continue;
      const endpoint = attachmentTo(container.record.networks, network.name)?.endpoint;
      if (!endpoint && network.bridge) continue;
      containers[container.id] = {
        Name: container.record.name.replace(/^\//, ""),
        EndpointID: endpoint ? endpointId(container.id, endpoint) : "",
        MacAddress: endpoint?.macAddress ?? "",
        IPv4Address: endpoint ? `${endpoint.ipAddress}/${endpoint.prefixLength}` : "",
        IPv6Address: endpoint?.ipv6Address
          ? `${endpoint.ipv6Address}/${endpoint.ipv6PrefixLength}`
          : "",
      };
    }
  }
  return {
    Name: network.name,
    Id: network.id,
    Created: network.created,
    Scope: "local",
    Driver: network.driver,
    EnableIPv4: true,
    EnableIPv6: bridge?.options.ipv6 !== undefined,
    IPAM: {
      Driver: "default",
      Options: null,
      Config: bridge
        ? [{
          Subnet: subnetText(bridge.gateway),
          Gateway: formatIpv4(bridge.gateway.address),
          ...(record?.ipRange ? { IPRange: record.ipRange } : {}),
          ...(record?.auxAddresses ? { AuxiliaryAddresses: record.auxAddresses } : {}),
        }, ...ipv6Config(bridge.options.ipv6, record?.ipv6Range)]
        : [],
    },
    Internal: record?.internal === true,
    Attachable: record?.attachable === true,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    // A user-defined network's options are what it was given (compose
    // compares them with its file's); records from before they were kept
    // say what was true of every network then.
    Options: record
      ? record.options ?? {
        "com.docker.network.bridge.enable_ip_masquerade": "true",
        "com.docker.network.bridge.name": bridge!.bridge,
      }
      : bridge
      ? {
        "com.docker.network.bridge.default_bridge": "true",
        "com.docker.network.bridge.enable_ip_masquerade": "true",
        "com.docker.network.bridge.name": bridge.bridge,
      }
      : {},
    Labels: record?.labels ?? {},
  };
}

const LIST_FILTERS = new Set(["name", "id", "driver", "type", "scope", "label", "dangling"]);

/** GET /networks: the networks the filters select. */
export function listNetworks(context: DaemonContext, filters: Filters) {
  for (const key of filters.keys()) {
    if (!LIST_FILTERS.has(key)) throw new BadRequest(`invalid filter '${key}'`);
  }
  const anyOf = (key: string, test: (value: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.some(test);
  };
  return allNetworks(context).filter((network) =>
    anyOf("name", (value) => network.name.includes(value)) &&
    anyOf("id", (value) => network.id.startsWith(value)) &&
    anyOf("driver", (value) => value === network.driver) &&
    anyOf("type", (value) => value === (network.user ? "custom" : "builtin")) &&
    anyOf("scope", (value) => value === "local") &&
    anyOf("dangling", (value) =>
      /^(true|1)$/i.test(value) === (network.user !== undefined &&
        containersOn(context, network).length === 0)) &&
    (filters.get("label") ?? []).every((value) =>
      matchesLabel(network.user?.record.labels ?? {}, value)
    )
  ).map((network) => networkObject(context, network, false));
}

/** GET /networks/{id}: one network, with its running containers. */
export function inspectNetwork(context: DaemonContext, ref: string) {
  return networkObject(context, findNetwork(context, ref), true);
}

/** POST /networks/create: a user-defined bridge network, set up at once. */
export async function createNetwork(context: DaemonContext, request: NetworkRequest) {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  const network = await context.networks.create(
    request,
    PREDEFINED.map((item) => item.name),
    await hostSubnets(),
  );
  try {
    await activateNetwork(context, network);
  } catch (error) {
    await takeDown(context, network);
    throw error;
  }
  return { Id: network.record.id, Warning: "" };
}

/** Stop a user-defined network's name server, take its bridge away, forget it. */
async function takeDown(context: DaemonContext, network: UserNetwork): Promise<void> {
  await network.activation?.catch(() => {});
  network.dns?.close();
  network.dns = undefined;
  network.activation = undefined;
  await network.bridge.destroy();
  await context.networks.remove(network);
}

/**
 * DELETE /networks/{id}: a user-defined network without running
 * containers; the predefined ones are refused, as docker refuses them.
 */
export async function removeNetwork(context: DaemonContext, ref: string): Promise<void> {
  const network = findNetwork(context, ref);
  if (!network.user) {
    throw new Forbidden(`${network.name} is a pre-defined network and cannot be removed`);
  }
  if (containersOn(context, network).some((container) => container.isRunning)) {
    throw new Forbidden(
      `error while removing network: network ${network.name} id ${network.id} has active endpoints`,
    );
  }
  await takeDown(context, network.user);
}

/** POST /networks/prune: the user-defined networks no container names. */
export async function pruneNetworks(context: DaemonContext): Promise<string[]> {
  const removed: string[] = [];
  for (const network of allNetworks(context)) {
    if (!network.user || containersOn(context, network).length > 0) continue;
    await takeDown(context, network.user);
    removed.push(network.name);
  }
  return removed;
}
