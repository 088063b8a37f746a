/**
 * User-defined networks (`network create`): bridges of their own, each
 * with a subnet, kept as `<root>/networks/<id>.json` (written atomically,
 * loaded at start). Each has a BridgeNetwork for its addresses, ports and
 * plumbing, the way the default bridge has one.
 * @module
 */

import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { BadRequest, Conflict, Forbidden, NotFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { log } from "../logger.ts";
import { BridgeNetwork } from "./bridge_network.ts";
import {
  formatIpv6,
  inIpv6Subnet,
  ipv6Network,
  ipv6SubnetText,
  parseIpv6,
  parseIpv6Cidr,
} from "./ipv6.ts";
import { runNetworkTool } from "./bridge_driver.ts";
import type { DnsServer } from "./dns_server.ts";
import {
  broadcastAddress,
  formatIpv4,
  inSubnet,
  type Ipv4Cidr,
  networkAddress,
  parseIpv4,
  parseIpv4Cidr,
  subnetText,
} from "./ipv4.ts";

/** A user-defined network as it is kept on disk. */
export interface NetworkRecord {
  id: string;
  name: string;
  created: string;
  /** The bridge's address with the subnet's prefix, `10.89.1.1/24`. */
  gateway: string;
  labels: Record<string, string>;
  /** `--internal`: no way out of the network (no default route, no masquerade, no ports). */
  internal?: boolean;
  /** The driver options as given (`--opt`); absent in records from before they were kept. */
  options?: Record<string, string>;
  /** `--attachable`. */
  attachable?: boolean;
  /** `--ip-range`: where addresses nobody asked for come from. */
  ipRange?: string;
  /** `--aux-address NAME=IP`: addresses no container gets. */
  auxAddresses?: Record<string, string>;
  /** `--ipv6`: the bridge's IPv6 address with the subnet's prefix, `fd12:3456:789a::1/64`. */
  ipv6Gateway?: string;
  /** The IPv6 config's `IPRange`. */
  ipv6Range?: string;
}

/** The bridge driver's options docker documents, by their `--opt` names. */
export const BRIDGE_OPTIONS = {
  name: "com.docker.network.bridge.name",
  enableIcc: "com.docker.network.bridge.enable_icc",
  enableIpMasquerade: "com.docker.network.bridge.enable_ip_masquerade",
  hostBindingIpv4: "com.docker.network.bridge.host_binding_ipv4",
  mtu: "com.docker.network.driver.mtu",
} as const;

/** A user-defined network while the daemon runs. */
export interface UserNetwork {
  record: NetworkRecord;
  bridge: BridgeNetwork;
  /** Its name server, once the network is set up. */
  dns?: DnsServer;
  /** Setting it up (bridge and name server), once begun. */
  activation?: Promise<void>;
}

/** What POST /networks/create asks for (docker's shape). */
export interface NetworkRequest {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  EnableIPv6?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  CheckDuplicate?: boolean;
  Scope?: string;
  IPAM?: {
    Driver?: string;
    Config?: {
      Subnet?: string;
      Gateway?: string;
      IPRange?: string;
      AuxiliaryAddresses?: Record<string, string> | null;
    }[] | null;
    Options?: Record<string, string> | null;
  } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** `value`, when it is a map of strings (or absent); a 400 naming `field` otherwise. */
function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (
    typeof value !== "object" || Array.isArray(value) ||
    Object.values(value).some((item) => typeof item !== "string")
  ) {
    throw new BadRequest(`${field} must map names to strings`);
  }
  return value as Record<string, string>;
}

/** Where subnets nobody asked for come from: 10.89.0.0/24, 10.89.1.0/24, ... */
const POOL = { first: parseIpv4("10.89.0.0")!, count: 256, prefixLength: 24 };

/** docker takes any name; a slash or a control character would not survive a URL path or a log. */
function validNetworkName(name: string): boolean {
  return [...name].every((char) => char !== "/" && char.charCodeAt(0) > 0x1f && char !== "\x7f");
}

/** The interface of a network's bridge (15 characters at most). */
function bridgeName(id: string): string {
  return `br-${id.slice(0, 12)}`;
}

function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return networkAddress(a) <= broadcastAddress(b) && networkAddress(b) <= broadcastAddress(a);
}

/** The bridge options of a create request, checked (others are kept, as docker keeps them). */
function checkBridgeOptions(options: Record<string, string>): Record<string, string> {
  const bridge = options[BRIDGE_OPTIONS.name];
  if (bridge !== undefined && !/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) {
    throw new BadRequest(
      `invalid bridge name ${JSON.stringify(bridge)}: 1 to 15 of [a-zA-Z0-9_.-]`,
    );
  }
  for (const key of [BRIDGE_OPTIONS.enableIcc, BRIDGE_OPTIONS.enableIpMasquerade]) {
    if (key in options && !/^(true|false)$/.test(options[key])) {
      throw new BadRequest(`invalid value for ${key}: ${options[key]} (true or false)`);
    }
  }
  const hostIp = options[BRIDGE_OPTIONS.hostBindingIpv4];
  if (hostIp !== undefined && parseIpv4(hostIp) === undefined) {
    throw new BadRequest(`invalid host binding address ${hostIp}`);
  }
  const mtu = options[BRIDGE_OPTIONS.mtu];
  if (mtu !== undefined && !(/^\d+$/.test(mtu) && Number(mtu) >= 68 && Number(mtu) <= 65535)) {
    throw new BadRequest(`invalid MTU ${mtu}: from 68 to 65535`);
  }
  return { ...options };
}

/** True when the host has an interface `name` that is not a bridge (a bridge is adopted, as docker adopts it). */
async function isOtherInterface(name: string): Promise<boolean> {
  const shown = await runNetworkTool("ip", ["-d", "-o", "link", "show", "dev", name]).catch(
    () => undefined,
  );
  // `ip -d -o` puts the kind's details after a backslash: "\    bridge forward_delay ..."
  return shown !== undefined && !/\\\s+bridge\s/.test(shown);
}

/** `--ip-range`, inside the network's subnet; undefined when not given. */
function checkIpRange(
  range: string | undefined,
  gateway: Ipv4Cidr,
  subnet: string | undefined,
): string | undefined {
  if (!range) return undefined;
  const cidr = parseIpv4Cidr(range);
  if (!cidr || networkAddress(cidr) !== cidr.address) {
    throw new BadRequest(`invalid ip-range ${range}: a subnet in CIDR form`);
  }
  if (
    cidr.prefixLength < gateway.prefixLength ||
    networkAddress({ address: cidr.address, prefixLength: gateway.prefixLength }) !==
      networkAddress(gateway)
  ) {
    throw new BadRequest(`ip-range ${range} is not in the subnet ${subnet ?? subnetText(gateway)}`);
  }
  return range;
}

/** `--aux-address NAME=IP` entries, each an address of the subnet. */
function checkAuxAddresses(
  entries: Record<string, string> | null | undefined,
  gateway: Ipv4Cidr,
): Record<string, string> {
  const checked = stringMap(entries, "AuxiliaryAddresses");
  for (const [name, address] of Object.entries(checked)) {
    const value = parseIpv4(address);
    if (value === undefined || !inSubnet(gateway, value)) {
      throw new BadRequest(
        `invalid auxiliary address ${name}=${address}: not an address of ${subnetText(gateway)}`,
      );
    }
  }
  return checked;
}

/** The daemon's user-defined networks. */
export class NetworkStore {
  readonly dir: string;
  #networks = new Map<string, UserNetwork>();

  /** `reserved` are subnets taken already (the default bridge's). */
  constructor(root: string, readonly reserved: Ipv4Cidr[]) {
    this.dir = `${root}/networks`;
  }

  /** Load the networks on disk. */
  async init(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for await (const entry of Deno.readDir(this.dir)) {
      if (!entry.name.endsWith(".json")) continue;
      try {
        const record: NetworkRecord = JSON.parse(
          await Deno.readTextFile(`${this.dir}/${entry.name}`),
        );
        this.#networks.set(record.id, this.#live(record));
      } catch (error) {
        log.warn("skipping an unreadable network record", { file: entry.name, error: `${error}` });
      }
    }
  }

  #live(record: NetworkRecord): UserNetwork {
    const options = record.options ?? {};
    const mtu = Number(options[BRIDGE_OPTIONS.mtu] ?? 0);
    return {
      record,
      bridge: new BridgeNetwork(
        options[BRIDGE_OPTIONS.name] || bridgeName(record.id),
        parseIpv4Cidr(record.gateway)!,
        {
          internal: record.internal === true,
          ipRange: record.ipRange ? parseIpv4Cidr(record.ipRange) : undefined,
          reserved: Object.values(record.auxAddresses ?? {}).map((address) =>
            parseIpv4(address) ?? 0
          ),
          icc: options[BRIDGE_OPTIONS.enableIcc] !== "false",
          masquerade: options[BRIDGE_OPTIONS.enableIpMasquerade] !== "false",
          hostBindingIpv4: options[BRIDGE_OPTIONS.hostBindingIpv4],
          mtu: mtu > 0 ? mtu : undefined,
          ipv6: record.ipv6Gateway ? parseIpv6Cidr(record.ipv6Gateway) : undefined,
          ipv6Range: record.ipv6Range ? parseIpv6Cidr(record.ipv6Range) : undefined,
        },
      ),
    };
  }

  /** Every user-defined network. */
  list(): UserNetwork[] {
    return [...this.#networks.values()];
  }

  /** A network by name, full id or unique id prefix. */
  find(ref: string): UserNetwork | undefined {
    const networks = this.list();
    const exact = networks.find((network) =>
      network.record.name === ref || network.record.id === ref
    );
    if (exact || ref.length === 0) return exact;
    const prefixed = networks.filter((network) => network.record.id.startsWith(ref));
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  /**
   * Make a network; `taken` are the names of the predefined ones, `hostSubnets`
   * the subnets of the host's addresses (a subnet picked for it avoids them).
   */
  async create(
    request: NetworkRequest,
    taken: string[],
    hostSubnets: Ipv4Cidr[] = [],
  ): Promise<UserNetwork> {
    const name = request.Name;
    if (!name || typeof name !== "string") throw new BadRequest("network name is required");
    if (!validNetworkName(name)) {
      throw new BadRequest(`invalid network name "${name}": no "/" or control characters`);
    }
    if (taken.includes(name) || this.find(name)?.record.name === name) {
      throw new Conflict(`network with name ${name} already exists`);
    }
    const driver = request.Driver || "bridge";
    if (driver === "host" || driver === "null") {
      throw new Forbidden(`only one instance of "${driver}" network is allowed`);
    }
    if (driver === "overlay") {
      throw new Forbidden(
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
      );
    }
    if (driver !== "bridge") {
      throw new NotFound(`plugin "${driver}" not found`);
    }
    if (request.Ingress) throw new Forbidden("Ingress network can only be global scope network");
    if (request.Scope && request.Scope !== "local") {
      throw new BadRequest(`a bridge network is local, not of scope "${request.Scope}"`);
    }
    const labels = stringMap(request.Labels, "Labels");
    const options = checkBridgeOptions(stringMap(request.Options, "Options"));
    const ipamDriver = request.IPAM?.Driver || "default";
    if (ipamDriver !== "default") throw new NotFound(`plugin "${ipamDriver}" not found`);
    const given = request.IPAM?.Config ?? [];
    if (!Array.isArray(given)) throw new BadRequest("IPAM.Config must be a list");
    // docker-py sends null for what was not given.
    const configs = given.map((item) => ({
      Subnet: item?.Subnet ?? undefined,
      Gateway: item?.Gateway ?? undefined,
      IPRange: item?.IPRange ?? undefined,
      AuxiliaryAddresses: item?.AuxiliaryAddresses ?? undefined,
    }));
    const isV6 = (item: { Subnet?: string }) => item.Subnet?.includes(":") === true;
    const v4Configs = configs.filter((item) => !isV6(item));
    const v6Configs = configs.filter(isV6);
    if (v4Configs.length > 1 || v6Configs.length > 1) {
      throw new BadRequest("berth networks have one IPv4 subnet and, with --ipv6, one IPv6 subnet");
    }
    const config = v4Configs[0] ?? {};
    const gateway = this.#gateway(config.Subnet, config.Gateway, hostSubnets);
    const ipRange = checkIpRange(config.IPRange, gateway, config.Subnet);
    const auxAddresses = checkAuxAddresses(config.AuxiliaryAddresses, gateway);
    const bridge = options[BRIDGE_OPTIONS.name];
    if (
      bridge && (this.list().some((network) => network.bridge.bridge === bridge) ||
        await isOtherInterface(bridge))
    ) {
      throw new Conflict(`bridge name ${bridge} is in use by another network or interface`);
    }
    const id = newId();
    // An IPv6 subnet given is IPv6 enabled.
    const ipv6 = request.EnableIPv6 || v6Configs.length
      ? this.#ipv6Gateway(v6Configs[0] ?? {}, id)
      : undefined;
    const record: NetworkRecord = {
      id,
      name,
      created: formatRfc3339Nano(preciseNow()),
      gateway: `${formatIpv4(gateway.address)}/${gateway.prefixLength}`,
      labels,
      ...(request.Internal ? { internal: true } : {}),
      options,
      ...(request.Attachable ? { attachable: true } : {}),
      ...(ipRange ? { ipRange } : {}),
      ...(Object.keys(auxAddresses).length ? { auxAddresses } : {}),
      ...(ipv6 ? { ipv6Gateway: ipv6.gateway } : {}),
      ...(ipv6?.range ? { ipv6Range: ipv6.range } : {}),
    };
    await writeJsonAtomic(`${this.dir}/${id}.json`, record);
    const network = this.#live(record);
    this.#networks.set(id, network);
    return network;
  }

  /**
   * The bridge's IPv6 address with its prefix: the given subnet's (its
   * gateway, or its first address), or a unique local /64 drawn from the
   * network's id; no overlap with another network's.
   */
  #ipv6Gateway(
    config: { Subnet?: string; Gateway?: string; IPRange?: string },
    id: string,
  ): { gateway: string; range?: string } {
    const subnet = config.Subnet
      ? parseIpv6Cidr(config.Subnet)
      : parseIpv6Cidr(`fd${id.slice(0, 2)}:${id.slice(2, 6)}:${id.slice(6, 10)}::/64`);
    if (!subnet || subnet.prefixLength < 8 || subnet.prefixLength > 124) {
      throw new BadRequest(`invalid subnet ${config.Subnet}: an IPv6 subnet from /8 to /124`);
    }
    if (ipv6Network(subnet) !== subnet.address) {
      throw new BadRequest(`invalid subnet ${config.Subnet}: it has host bits set`);
    }
    const gateway = config.Gateway ? parseIpv6(config.Gateway) : subnet.address + 1n;
    if (gateway === undefined || !inIpv6Subnet(subnet, gateway) || gateway === subnet.address) {
      throw new BadRequest(`invalid gateway ${config.Gateway}: an address of ${config.Subnet}`);
    }
    for (const network of this.list()) {
      const other = network.bridge.options.ipv6;
      if (
        other &&
        (inIpv6Subnet(other, subnet.address) ||
          inIpv6Subnet(
            { address: subnet.address, prefixLength: subnet.prefixLength },
            other.address,
          ))
      ) {
        throw new Conflict(
          `Pool overlaps with other one on this address space: ${ipv6SubnetText(subnet)} and ${
            ipv6SubnetText(other)
          }`,
        );
      }
    }
    let range: string | undefined;
    if (config.IPRange) {
      const cidr = parseIpv6Cidr(config.IPRange);
      if (
        !cidr || cidr.prefixLength < subnet.prefixLength || !inIpv6Subnet(subnet, cidr.address)
      ) {
        throw new BadRequest(`ip-range ${config.IPRange} is not in the subnet ${config.Subnet}`);
      }
      range = ipv6SubnetText(cidr);
    }
    return { gateway: `${formatIpv6(gateway)}/${subnet.prefixLength}`, range };
  }

  /** The bridge's address: the given one, the subnet's first, or a free subnet's first. */
  #gateway(
    subnet: string | undefined,
    gateway: string | undefined,
    hostSubnets: Ipv4Cidr[],
  ): Ipv4Cidr {
    const inUse = [...this.reserved, ...this.list().map((network) => network.bridge.gateway)];
    if (!subnet) {
      if (gateway) throw new BadRequest("a gateway needs its subnet (--subnet)");
      for (let index = 0; index < POOL.count; index++) {
        const candidate = {
          address: POOL.first + index * 2 ** (32 - POOL.prefixLength) + 1,
          prefixLength: POOL.prefixLength,
        };
        if (![...inUse, ...hostSubnets].some((used) => overlaps(used, candidate))) {
          return candidate;
        }
      }
      throw new Conflict("no free subnet left in 10.89.0.0/16: give one with --subnet");
    }
    const cidr = parseIpv4Cidr(subnet);
    if (!cidr || cidr.prefixLength < 8 || cidr.prefixLength > 30) {
      throw new BadRequest(`invalid subnet ${subnet}: an IPv4 subnet from /8 to /30`);
    }
    if (networkAddress(cidr) !== cidr.address) {
      throw new BadRequest(`invalid subnet ${subnet}: it has host bits set`);
    }
    const address = gateway === undefined ? cidr.address + 1 : parseIpv4(gateway);
    const chosen = { address: address ?? 0, prefixLength: cidr.prefixLength };
    if (
      address === undefined || address <= networkAddress(cidr) || address >= broadcastAddress(cidr)
    ) {
      throw new BadRequest(`invalid gateway ${gateway}: an address of ${subnet}`);
    }
    const clash = inUse.find((used) => overlaps(used, chosen));
    if (clash) {
      throw new Conflict(
        `Pool overlaps with other one on this address space: ${subnet} and ${
          formatIpv4(networkAddress(clash))
        }/${clash.prefixLength}`,
      );
    }
    return chosen;
  }

  /** Forget a network (its bridge is taken down by the caller). */
  async remove(network: UserNetwork): Promise<void> {
    await Deno.remove(`${this.dir}/${network.record.id}.json`).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    this.#networks.delete(network.record.id);
  }

  /** A network by reference, or NotFound. */
  get(ref: string): UserNetwork {
    const network = this.find(ref);
    if (!network) throw new NotFound(`network ${ref} not found`);
    return network;
  }
}
