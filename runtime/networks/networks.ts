/**
 * Docker's network objects for the two networks berth has: `host` (the
 * host's network namespace) and `none` (a namespace with loopback only,
 * the default until the bridge network lands). They cannot be created or
 * removed; `network ls`, `network inspect` and docker-py's `networks` see
 * them as docker shows its predefined networks.
 * @module
 */

import type { Filters } from "../containers/list.ts";
import { matchesLabel } from "../containers/list.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, Forbidden, NotFound } from "../errors.ts";

/** A predefined network: its name, docker's driver name for it, a stable id. */
interface Predefined {
  name: string;
  driver: string;
  /** sha256 of "berth network NAME": the same on every daemon and every start. */
  id: string;
}

const PREDEFINED: Predefined[] = [
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

/** A network by name, full id or id prefix; NotFound otherwise. */
function findNetwork(ref: string): Predefined {
  const network = PREDEFINED.find((item) => item.name === ref || item.id === ref) ??
    (ref.length > 0 ? PREDEFINED.find((item) => item.id.startsWith(ref)) : undefined);
  if (!network) throw new NotFound(`network ${ref} not found`);
  return network;
}

function networkObject(
  context: DaemonContext,
  network: Predefined,
  withContainers: boolean,
) {
  const containers: Record<string, unknown> = {};
  if (withContainers) {
    for (const container of context.containers.list()) {
      if (!container.isRunning || container.record.hostConfig.NetworkMode !== network.name) {
        continue;
      }
      containers[container.id] = {
        Name: container.record.name.replace(/^\//, ""),
        EndpointID: "",
        MacAddress: "",
        IPv4Address: "",
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
    IPAM: { Driver: "default", Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: {},
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
  return PREDEFINED.filter((network) =>
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
  return networkObject(context, findNetwork(ref), true);
}

/** DELETE /networks/{id}: refused, as docker refuses to remove predefined networks. */
export function removeNetwork(ref: string): never {
  const network = findNetwork(ref);
  throw new Forbidden(`${network.name} is a pre-defined network and cannot be removed`);
}
