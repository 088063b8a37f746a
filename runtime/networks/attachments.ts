/**
 * A container's networks: what it asked of each one it joins (at create or
 * by `network connect`) and, while it runs, its endpoint there. The first
 * attachment started gets eth0; the others eth1, eth2, ... in order. Records
 * written before containers could join several networks kept the one
 * endpoint in fields of their own: {@link migrateNetworkFields} moves them.
 * @module
 */

import type { BridgeEndpoint } from "./bridge_driver.ts";

/** One network a container is connected to (docker's EndpointSettings, as asked). */
export interface NetworkAttachment {
  /** The network's name (the key of NetworkSettings.Networks). */
  network: string;
  /** Its other names there (`--alias`, `--network-alias`). */
  aliases?: string[];
  /** The addresses it asked for (`--ip`, `--ip6`). */
  ipv4Address?: string;
  ipv6Address?: string;
  /** `--link-local-ip`: more addresses on its interface there. */
  linkLocalIps?: string[];
  /** The MAC address it asked for (`--mac-address`). */
  macAddress?: string;
  /** `--link NAME[:ALIAS]` given for this network. */
  links?: string[];
  /** `--driver-opt` of the endpoint. */
  driverOpts?: Record<string, string>;
  /** Its endpoint, from the start until the release. */
  endpoint?: BridgeEndpoint;
}

/** What a request asks of a container's endpoint on one network, checked. */
export interface EndpointRequest {
  /** `--alias`, `--network-alias` (on a user-defined network). */
  aliases: string[];
  /** `--ip` (on a user-defined network). */
  ipv4Address?: string;
  /** `--ip6` (on a user-defined network with IPv6). */
  ipv6Address?: string;
  /** `--link-local-ip`. */
  linkLocalIps?: string[];
  /** `--mac-address`. */
  macAddress?: string;
  /** `--link NAME[:ALIAS]`. */
  links: string[];
  /** `--driver-opt`. */
  driverOpts?: Record<string, string>;
}

/** An attachment to `network` with what the request asked of it (empty parts left out). */
export function attachmentOf(network: string, request: EndpointRequest): NetworkAttachment {
  return {
    network,
    ...(request.aliases.length ? { aliases: request.aliases } : {}),
    ...(request.ipv4Address ? { ipv4Address: request.ipv4Address } : {}),
    ...(request.ipv6Address ? { ipv6Address: request.ipv6Address } : {}),
    ...(request.linkLocalIps?.length ? { linkLocalIps: request.linkLocalIps } : {}),
    ...(request.macAddress ? { macAddress: request.macAddress } : {}),
    ...(request.links.length ? { links: request.links } : {}),
    ...(request.driverOpts ? { driverOpts: request.driverOpts } : {}),
  };
}

/**
 * `aliases` and the container's short id: docker adds it on a
 * user-defined network (at create, connect and start); compose and
 * docker-py look for it.
 */
export function withShortIdAlias(aliases: string[] | undefined, id: string): string[] {
  const shortId = id.slice(0, 12);
  return aliases?.includes(shortId) ? aliases : [...aliases ?? [], shortId];
}

/** The fields records kept before a container could join several networks. */
interface LegacyNetworkFields {
  networks?: NetworkAttachment[];
  hostConfig: { NetworkMode: string };
  endpoint?: BridgeEndpoint;
  networkAliases?: string[];
  requestedIpv4?: string;
}

/** True for a network mode with an endpoint of its own (the bridges, not host, none or container:). */
export function isBridged(mode: string): boolean {
  return mode !== "none" && mode !== "host" && !mode.startsWith("container:");
}

/** Move a record's old single-network fields into its `networks` list (in place). */
export function migrateNetworkFields(record: LegacyNetworkFields): void {
  if (record.networks) return;
  const mode = record.hostConfig.NetworkMode;
  const attachment: NetworkAttachment = { network: mode };
  if (record.networkAliases?.length) attachment.aliases = record.networkAliases;
  if (record.requestedIpv4) attachment.ipv4Address = record.requestedIpv4;
  if (record.endpoint) attachment.endpoint = record.endpoint;
  record.networks = isBridged(mode) ? [attachment] : [];
  delete record.endpoint;
  delete record.networkAliases;
  delete record.requestedIpv4;
}

/** The attachment for `network` (by name), if the container is connected to it. */
export function attachmentTo(
  networks: NetworkAttachment[],
  network: string,
): NetworkAttachment | undefined {
  return networks.find((attachment) => attachment.network === network);
}

/** The endpoints a running container has, in the order they were set up. */
export function liveEndpoints(networks: NetworkAttachment[]): BridgeEndpoint[] {
  return networks.flatMap((attachment) => attachment.endpoint ? [attachment.endpoint] : []);
}

/** The interface a container's endpoint has inside (eth0 for records that did not say). */
export function interfaceOf(endpoint: BridgeEndpoint): string {
  return endpoint.interfaceName ?? "eth0";
}

/** The lowest ethN that none of the container's endpoints has. */
export function freeInterface(networks: NetworkAttachment[]): string {
  const taken = new Set(liveEndpoints(networks).map(interfaceOf));
  let index = 0;
  while (taken.has(`eth${index}`)) index++;
  return `eth${index}`;
}
