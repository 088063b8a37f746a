/**
 * Setting a user-defined network up: its bridge, and its name server
 * answering for the containers on it (by name, alias and short id, also
 * as NAME.NETWORK) and passing other names on to the host's servers.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { type BridgeEndpoint, runNetworkTool } from "./bridge_driver.ts";
import { parseIpv6 } from "./ipv6.ts";
import { DnsServer } from "./dns_server.ts";
import { formatIpv4, type Ipv4Cidr, parseIpv4, parseIpv4Cidr } from "./ipv4.ts";
import type { UserNetwork } from "./network_store.ts";
import { attachmentTo } from "./attachments.ts";
import { BRIDGE_NETWORK } from "./bridge_network.ts";
import { linkedOnNetwork } from "./links.ts";

/** The host's IPv4 name servers (what the network's server passes questions on to). */
async function hostNameservers(): Promise<string[]> {
  const text = await Deno.readTextFile("/etc/resolv.conf").catch(() => "");
  return text.split("\n")
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((server): server is string => server !== undefined && parseIpv4(server) !== undefined);
}

/** The subnets of the host's IPv4 addresses (other daemons' bridges among them). */
export async function hostSubnets(): Promise<Ipv4Cidr[]> {
  const listed = await runNetworkTool("ip", ["-o", "-4", "addr", "show"]).catch(() => "");
  return [...listed.matchAll(/\binet (\S+)/g)]
    .map((match) => parseIpv4Cidr(match[1]))
    .filter((cidr): cidr is Ipv4Cidr => cidr !== undefined);
}

/** The names a container answers to on `network`, lower case. */
function containerNames(
  name: string,
  id: string,
  aliases: string[],
  network: string,
): string[] {
  const names = [name, id.slice(0, 12), ...aliases].map((item) => item.toLowerCase());
  return [...names, ...names.map((item) => `${item}.${network.toLowerCase()}`)];
}

/** An endpoint's addresses as the name server answers them. */
function endpointAddresses(endpoint: BridgeEndpoint): (number | bigint)[] {
  const v6 = endpoint.ipv6Address ? parseIpv6(endpoint.ipv6Address) : undefined;
  return [parseIpv4(endpoint.ipAddress) ?? 0, ...(v6 === undefined ? [] : [v6])];
}

/** The addresses `name` has on the user-defined network `network` (its containers with an endpoint there). */
function addressesOn(context: DaemonContext, network: string, name: string): (number | bigint)[] {
  const found: (number | bigint)[] = [];
  for (const container of context.containers.list()) {
    const { record } = container;
    const attachment = attachmentTo(record.networks, network);
    if (!attachment?.endpoint) continue;
    const names = containerNames(record.name, record.id, attachment.aliases ?? [], network);
    if (names.includes(name)) found.push(...endpointAddresses(attachment.endpoint));
  }
  return found;
}

/**
 * The addresses `name` has for the container asking from `asker` on
 * `network`: on each user-defined network that container is connected to,
 * in its order (docker's embedded DNS does so); undefined when none. An
 * asker the daemon does not know sees `network` only.
 */
export function resolveOnNetwork(
  context: DaemonContext,
  network: UserNetwork,
  name: string,
  asker?: string,
): (number | bigint)[] | undefined {
  const own = network.record.name;
  // By endpoint, not by state: a starting container asks (and is asked
  // for) before its start is recorded; docker's names also come and go
  // with the endpoints.
  const askedBy = asker === undefined ? undefined : context.containers.list().find(
    (container) => attachmentTo(container.record.networks, own)?.endpoint?.ipAddress === asker,
  );
  const searched = askedBy
    ? askedBy.record.networks.map((attachment) => attachment.network)
      .filter((item) => item !== BRIDGE_NETWORK)
    : [own];
  for (const item of searched) {
    // Its own links' aliases first: names only it resolves.
    const linked = askedBy && linkedOnNetwork(context, askedBy, item, name);
    const endpoint = linked && attachmentTo(linked.record.networks, item)?.endpoint;
    if (endpoint) return endpointAddresses(endpoint);
    const found = addressesOn(context, item, name);
    if (found.length) return found;
  }
  return undefined;
}

/**
 * Set the network's bridge up and start its name server: once, however
 * many starts ask at the same time; again after a failure.
 */
export function activateNetwork(context: DaemonContext, network: UserNetwork): Promise<void> {
  network.activation ??= (async () => {
    await network.bridge.ensure();
    const dns = new DnsServer(
      formatIpv4(network.bridge.gateway.address),
      (name, asker) => resolveOnNetwork(context, network, name, asker),
      // An internal network has no way out: no names from outside either.
      network.record.internal ? [] : await hostNameservers(),
    );
    await dns.start();
    network.dns = dns;
  })().catch((error) => {
    network.activation = undefined;
    throw error;
  });
  return network.activation;
}
