/**
 * Who holds what on the bridge network: each connected container's address
 * and the host ports it publishes. Kept in memory; a restarted daemon
 * reserves again what its running containers' records say they hold.
 * @module
 */

import { formatIpv6, inIpv6Subnet, type Ipv6Cidr, ipv6Network } from "./ipv6.ts";
import { ApiError } from "../errors.ts";
import { broadcastAddress, formatIpv4, type Ipv4Cidr, networkAddress } from "./ipv4.ts";
import type { PublishedPort } from "./port_bindings.ts";

/** Where the daemon picks host ports nobody asked for (docker's range). */
export const DYNAMIC_PORTS: [number, number] = [49153, 65535];

/** Whether a host port can be taken (nothing else on the host listens on it). */
export type PortProbe = (port: PublishedPort) => boolean;

/** Addresses and host ports of one bridge network. */
export class BridgeAllocator {
  #addresses = new Map<number, string>();
  #ipv6Addresses = new Map<bigint, string>();
  /** `proto/port` → the owners and the host addresses they publish on. */
  #hostPorts = new Map<string, { owner: string; hostIp: string }[]>();
  #nextDynamic = DYNAMIC_PORTS[0];

  /**
   * `gateway` is the bridge's own address, with the subnet's prefix;
   * addresses nobody asked for come from `range` (`--ip-range`) when
   * given, and `reserved` ones (`--aux-address`) go to no one.
   */
  constructor(
    readonly gateway: Ipv4Cidr,
    readonly options: {
      range?: Ipv4Cidr;
      reserved?: number[];
      ipv6?: Ipv6Cidr;
      ipv6Range?: Ipv6Cidr;
    } = {},
  ) {
    for (const address of options.reserved ?? []) this.#addresses.set(address, "");
  }

  /** `wanted` (a given address) or the lowest free address of the subnet, now `owner`'s. */
  takeAddress(owner: string, wanted?: number): number {
    const first = networkAddress(this.gateway) + 1;
    const last = broadcastAddress(this.gateway) - 1;
    if (wanted !== undefined) {
      if (wanted < first || wanted > last || wanted === this.gateway.address) {
        throw new ApiError(
          400,
          `Invalid address ${
            formatIpv4(wanted)
          }: It does not belong to any of this network's subnets`,
        );
      }
      if (this.#addresses.has(wanted)) throw new ApiError(403, "Address already in use");
      this.#addresses.set(wanted, owner);
      return wanted;
    }
    const range = this.options.range;
    const from = range ? Math.max(first, networkAddress(range)) : first;
    const to = range ? Math.min(last, broadcastAddress(range)) : last;
    for (let address = from; address <= to; address++) {
      if (address === this.gateway.address || this.#addresses.has(address)) continue;
      this.#addresses.set(address, owner);
      return address;
    }
    throw new ApiError(
      500,
      `no available IPv4 addresses on this network's address pools: bridge (${
        formatIpv4(networkAddress(this.gateway))
      }/${this.gateway.prefixLength})`,
    );
  }

  /**
   * `wanted` or the lowest free address of the IPv6 subnet (the gateway's
   * next ones first), now `owner`'s.
   */
  takeIpv6Address(owner: string, wanted?: bigint): bigint {
    const subnet = this.options.ipv6!;
    if (wanted !== undefined) {
      if (!inIpv6Subnet(subnet, wanted) || wanted === subnet.address) {
        throw new ApiError(
          400,
          `Invalid address ${
            formatIpv6(wanted)
          }: It does not belong to any of this network's subnets`,
        );
      }
      if (this.#ipv6Addresses.has(wanted)) throw new ApiError(403, "Address already in use");
      this.#ipv6Addresses.set(wanted, owner);
      return wanted;
    }
    const pool = this.options.ipv6Range ?? subnet;
    const last = ipv6Network(pool) + (1n << BigInt(128 - pool.prefixLength)) - 1n;
    for (let address = ipv6Network(pool) + 1n; address <= last; address++) {
      if (address === subnet.address || this.#ipv6Addresses.has(address)) continue;
      this.#ipv6Addresses.set(address, owner);
      return address;
    }
    throw new ApiError(500, "no available IPv6 addresses on this network's address pools");
  }

  /**
   * The host ports of `requested`, now `owner`'s: each asked-for port if no
   * one else publishes it (and `probe` finds it free), a free one otherwise.
   * Nothing is taken when one of them cannot be.
   */
  takePorts(owner: string, requested: PublishedPort[], probe: PortProbe): PublishedPort[] {
    const taken: PublishedPort[] = [];
    try {
      for (const port of requested) {
        const chosen = port.hostPort === 0 || port.hostPortEnd !== undefined
          ? this.#pick(port, probe)
          : port;
        if (this.#inUse(chosen) || !probe(chosen)) {
          throw new ApiError(
            500,
            `Bind for ${
              chosen.hostIp || "0.0.0.0"
            }:${chosen.hostPort} failed: port is already allocated`,
          );
        }
        const { hostPortEnd: _, ...plain } = chosen;
        this.#hold(owner, plain);
        taken.push(plain);
      }
    } catch (error) {
      this.releasePorts(owner);
      throw error;
    }
    return taken;
  }

  /** Hold again what a running container's record says it holds (daemon restart). */
  reserve(owner: string, address: number, ports: PublishedPort[], ipv6?: bigint): void {
    this.#addresses.set(address, owner);
    if (ipv6 !== undefined) this.#ipv6Addresses.set(ipv6, owner);
    for (const port of ports) this.#hold(owner, port);
  }

  /** Free everything `owner` holds. */
  release(owner: string): void {
    for (const [address, holder] of this.#addresses) {
      if (holder === owner) this.#addresses.delete(address);
    }
    for (const [address, holder] of this.#ipv6Addresses) {
      if (holder === owner) this.#ipv6Addresses.delete(address);
    }
    this.releasePorts(owner);
  }

  /** Free the host ports `owner` holds. */
  releasePorts(owner: string): void {
    for (const [key, holders] of this.#hostPorts) {
      const rest = holders.filter((holder) => holder.owner !== owner);
      if (rest.length) this.#hostPorts.set(key, rest);
      else this.#hostPorts.delete(key);
    }
  }

  #hold(owner: string, port: PublishedPort): void {
    const key = `${port.protocol}/${port.hostPort}`;
    this.#hostPorts.set(key, [...this.#hostPorts.get(key) ?? [], { owner, hostIp: port.hostIp }]);
  }

  /** Published already on an overlapping address ("" overlaps every address). */
  #inUse(port: PublishedPort): boolean {
    return (this.#hostPorts.get(`${port.protocol}/${port.hostPort}`) ?? []).some((holder) =>
      holder.hostIp === "" || port.hostIp === "" || holder.hostIp === port.hostIp
    );
  }

  /** A free port from the asked-for range, or from the dynamic range. */
  #pick(port: PublishedPort, probe: PortProbe): PublishedPort {
    const ranged = port.hostPortEnd !== undefined;
    const [low, high] = ranged ? [port.hostPort, port.hostPortEnd!] : DYNAMIC_PORTS;
    const span = high - low + 1;
    const start = ranged ? low : this.#nextDynamic;
    for (let step = 0; step < span; step++) {
      const candidate = { ...port, hostPort: low + (start - low + step) % span };
      if (this.#inUse(candidate) || !probe(candidate)) continue;
      if (!ranged) this.#nextDynamic = candidate.hostPort === high ? low : candidate.hostPort + 1;
      return candidate;
    }
    throw new ApiError(
      500,
      `Bind for ${port.hostIp || "0.0.0.0"}:${low}-${high} failed: port is already allocated`,
    );
  }
}
