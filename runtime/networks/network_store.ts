/**
 * User-defined networks (`network create`): bridges of their own, each
 * with a subnet, kept as `<root>/networks/<id>.json` (written atomically,
 * loaded at start). Each has a BridgeNetwork for its addresses, ports and
 * plumbing, the way the default bridge has one.
 * @module
 */

import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { BadRequest, Conflict, NotFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { log } from "../logger.ts";
import { BridgeNetwork } from "./bridge_network.ts";
import type { DnsServer } from "./dns_server.ts";
import {
  broadcastAddress,
  formatIpv4,
  type Ipv4Cidr,
  networkAddress,
  parseIpv4,
  parseIpv4Cidr,
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
}

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
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] };
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** Where subnets nobody asked for come from: 10.89.0.0/24, 10.89.1.0/24, ... */
const POOL = { first: parseIpv4("10.89.0.0")!, count: 256, prefixLength: 24 };

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The interface of a network's bridge (15 characters at most). */
function bridgeName(id: string): string {
  return `br-${id.slice(0, 12)}`;
}

function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return networkAddress(a) <= broadcastAddress(b) && networkAddress(b) <= broadcastAddress(a);
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
    return {
      record,
      bridge: new BridgeNetwork(bridgeName(record.id), parseIpv4Cidr(record.gateway)!, {
        internal: record.internal === true,
      }),
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
    if (!VALID_NAME.test(name)) {
      throw new BadRequest(
        `invalid network name "${name}": only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`,
      );
    }
    if (taken.includes(name) || this.find(name)?.record.name === name) {
      throw new Conflict(`network with name ${name} already exists`);
    }
    const driver = request.Driver || "bridge";
    if (driver !== "bridge") {
      throw new BadRequest(`berth has only the bridge network driver, not "${driver}"`);
    }
    if (request.EnableIPv6) throw new BadRequest("IPv6 networks are not supported by berth yet");
    const configs = request.IPAM?.Config ?? [];
    if (configs.length > 1) throw new BadRequest("berth networks have one IPv4 subnet");
    if (configs[0]?.IPRange) throw new BadRequest("--ip-range is not supported by berth yet");
    const gateway = this.#gateway(configs[0]?.Subnet, configs[0]?.Gateway, hostSubnets);
    const id = newId();
    const record: NetworkRecord = {
      id,
      name,
      created: formatRfc3339Nano(preciseNow()),
      gateway: `${formatIpv4(gateway.address)}/${gateway.prefixLength}`,
      labels: { ...request.Labels },
      ...(request.Internal ? { internal: true } : {}),
    };
    await writeJsonAtomic(`${this.dir}/${id}.json`, record);
    const network = this.#live(record);
    this.#networks.set(id, network);
    return network;
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
