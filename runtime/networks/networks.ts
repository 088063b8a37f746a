/**
 * Docker's network objects for the networks berth has: `bridge` (the
 * default, unless the daemon runs with `--bridge none`), `host` (the
 * host's network namespace) and `none` (a namespace with loopback only).
 * They cannot be created or removed; `network ls`, `network inspect` and
 * docker-py's `networks` see them as docker shows its predefined networks.
 * @module
 */

import type { Filters } from "../containers/list.ts";
import { matchesLabel } from "../containers/list.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, Forbidden, NotFound } from "../errors.ts";
import { endpointId } from "./bridge_network.ts";
import { formatIpv4, subnetText } from "./ipv4.ts";

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

/** The id of a predefined network (a container's NetworkMode). */
export function networkId(name: string): string {
  return PREDEFINED.find((network) => network.name === name)?.id ?? "";
}

/** The networks this daemon has (no bridge with `--bridge none`). */
function available(context: DaemonContext): Predefined[] {
  return PREDEFINED.filter((network) => network.driver !== "bridge" || context.bridge);
}

/** A network by name, full id or id prefix; NotFound otherwise. */
function findNetwork(context: DaemonContext, ref: string): Predefined {
  const networks = available(context);
  const network = networks.find((item) => item.name === ref || item.id === ref) ??
    (ref.length > 0 ? networks.find((item) => item.id.startsWith(ref)) : undefined);
  if (!network) throw new NotFound(`network ${ref} not found`);
  return network;
}

function networkObject(
  context: DaemonContext,
  network: Predefined,
  withContainers: boolean,
) {
  const settings = network.driver === "bridge" ? context.bridge : undefined;
  const bridge = settings && {
    ipam: { Subnet: subnetText(settings.gateway), Gateway: formatIpv4(settings.gateway.address) },
    options: {
      "com.docker.network.bridge.default_bridge": "true",
      "com.docker.network.bridge.enable_ip_masquerade": "true",
      "com.docker.network.bridge.name": settings.bridge,
    },
  };
  const containers: Record<string, unknown> = {};
  if (withContainers) {
    for (const container of context.containers.list()) {
      if (!container.isRunning || container.record.hostConfig.NetworkMode !== network.name) {
        continue;
      }
      const endpoint = container.record.endpoint;
      containers[container.id] = {
        Name: container.record.name.replace(/^\//, ""),
        EndpointID: endpoint ? endpointId(container.id) : "",
        MacAddress: endpoint?.macAddress ?? "",
        IPv4Address: endpoint ? `${endpoint.ipAddress}/${endpoint.prefixLength}` : "",
        IPv6Address: "",
      };
    }
  }
  return {
    Name: network.name,
    Id: network.id,
    Created: context.createdAt,
    Scope: "local",
    Driver: network.driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: null, Config: bridge ? [bridge.ipam] : [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: bridge ? bridge.options : {},
    Labels: {},
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
  return available(context).filter((network) =>
    anyOf("name", (value) => network.name.includes(value)) &&
    anyOf("id", (value) => network.id.startsWith(value)) &&
    anyOf("driver", (value) => value === network.driver) &&
    anyOf("type", (value) => value === "builtin") &&
    anyOf("scope", (value) => value === "local") &&
    anyOf("dangling", (value) => /^(false|0)$/i.test(value)) &&
    (filters.get("label") ?? []).every((value) => matchesLabel({}, value))
  ).map((network) => networkObject(context, network, false));
}

/** GET /networks/{id}: one network, with its running containers. */
export function inspectNetwork(context: DaemonContext, ref: string) {
  return networkObject(context, findNetwork(context, ref), true);
}

/** DELETE /networks/{id}: refused, as docker refuses to remove predefined networks. */
export function removeNetwork(context: DaemonContext, ref: string): never {
  const network = findNetwork(context, ref);
  throw new Forbidden(`${network.name} is a pre-defined network and cannot be removed`);
}
