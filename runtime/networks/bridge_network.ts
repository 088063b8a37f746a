/**
 * The bridge network of a daemon: a container connected to it gets an
 * address of the bridge's subnet and its published ports when it starts,
 * and gives them back when it stops. The endpoint is kept in the
 * container's record, the source of truth after a daemon restart.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { formatIpv6, type Ipv6Cidr, parseIpv6 } from "./ipv6.ts";
import { BridgeAllocator } from "./bridge_allocator.ts";
import {
  BridgeDriver,
  type BridgeEndpoint,
  type BridgeOptions,
  sandboxKey,
} from "./bridge_driver.ts";
import { formatIpv4, type Ipv4Cidr, macForIpv4, parseIpv4 } from "./ipv4.ts";
import type { PublishedPort } from "./port_bindings.ts";

/** Docker's name for the default network. */
export const BRIDGE_NETWORK = "bridge";

/** Docker's EndpointID of an endpoint (records that kept none had one endpoint: the container's id). */
export function endpointId(containerId: string, endpoint: BridgeEndpoint): string {
  return endpoint.endpointId ?? containerId;
}

/** True when nothing on the host listens on this TCP port (UDP ports are not probed). */
function hostPortFree(port: PublishedPort): boolean {
  if (port.protocol !== "tcp") return true;
  try {
    Deno.listen({ hostname: port.hostIp || "0.0.0.0", port: port.hostPort }).close();
    return true;
  } catch {
    return false;
  }
}

/** The bridge network: addresses, host ports and the host's plumbing. */
export class BridgeNetwork {
  readonly #allocator: BridgeAllocator;
  readonly #driver: BridgeDriver;

  /**
   * `bridge` is the interface's name, `gateway` its address with the
   * subnet's prefix; an `internal` network has no way out.
   */
  constructor(
    readonly bridge: string,
    readonly gateway: Ipv4Cidr,
    readonly options: BridgeOptions & {
      ipRange?: Ipv4Cidr;
      reserved?: number[];
      /** The bridge's IPv6 address with the subnet's prefix (a network with IPv6). */
      ipv6?: Ipv6Cidr;
      /** Where IPv6 addresses nobody asked for come from (the v6 `IPRange`). */
      ipv6Range?: Ipv6Cidr;
      /** The host address ports are published on when a binding names none. */
      hostBindingIpv4?: string;
    } = {},
  ) {
    this.#allocator = new BridgeAllocator(gateway, {
      range: options.ipRange,
      reserved: options.reserved,
      ipv6: options.ipv6,
      ipv6Range: options.ipv6Range,
    });
    this.#driver = new BridgeDriver(bridge, gateway, options);
  }

  /**
   * Take an address (`wantedAddress` when given) and the host ports of
   * `ports` for container `id` (a conflict throws, with nothing taken).
   */
  allocate(
    id: string,
    ports: PublishedPort[],
    options: {
      wantedAddress?: number;
      wantedIpv6?: bigint;
      interfaceName: string;
      endpointId: string;
    },
  ): BridgeEndpoint {
    const wantedAddress = options.wantedAddress;
    const hostIp = this.options.hostBindingIpv4;
    const bound = hostIp
      ? ports.map((port) => ({ ...port, hostIp: port.hostIp || hostIp }))
      : ports;
    const published = this.#allocator.takePorts(id, bound, hostPortFree);
    let address: number;
    let ipv6: bigint | undefined;
    const v6 = this.options.ipv6;
    try {
      if (options.wantedIpv6 !== undefined && !v6) {
        throw new BadRequest(
          "user specified IPv6 address is supported only on networks with IPv6 (--ipv6)",
        );
      }
      address = this.#allocator.takeAddress(id, wantedAddress);
      if (v6) ipv6 = this.#allocator.takeIpv6Address(id, options.wantedIpv6);
    } catch (error) {
      this.#allocator.release(id);
      throw error;
    }
    return {
      ipAddress: formatIpv4(address),
      prefixLength: this.gateway.prefixLength,
      gateway: formatIpv4(this.gateway.address),
      macAddress: macForIpv4(address),
      sandboxKey: sandboxKey(id),
      ports: published,
      interfaceName: options.interfaceName,
      endpointId: options.endpointId,
      ...(v6 && ipv6 !== undefined
        ? {
          ipv6Address: formatIpv6(ipv6),
          ipv6PrefixLength: v6.prefixLength,
          ipv6Gateway: formatIpv6(v6.address),
        }
        : {}),
    };
  }

  /** Set the bridge itself up (done by the first connect otherwise). */
  ensure(): Promise<void> {
    return this.#driver.ensure();
  }

  /** Take the bridge and its rules away (its network is removed). */
  destroy(): Promise<void> {
    return this.#driver.destroy();
  }

  /** Set the endpoint up on the host (after {@link allocate}), in the container's namespace. */
  connect(
    id: string,
    endpoint: BridgeEndpoint,
    options: { defaultRoute?: boolean } = {},
  ): Promise<void> {
    return this.#driver.connect(id, endpoint, options);
  }

  /** Hold again what a running container's endpoint holds (daemon restart). */
  reserve(id: string, endpoint: BridgeEndpoint): void {
    this.#allocator.reserve(
      id,
      parseIpv4(endpoint.ipAddress) ?? 0,
      endpoint.ports,
      endpoint.ipv6Address ? parseIpv6(endpoint.ipv6Address) : undefined,
    );
  }

  /**
   * Free the container's host ports: it has exited, so nothing answers on
   * them any more (its address stays taken until {@link release}).
   */
  releasePorts(id: string): void {
    this.#allocator.releasePorts(id);
  }

  /** Take down the endpoints of containers `exists` does not know; their short ids. */
  removeOrphans(exists: (shortId: string) => boolean): Promise<string[]> {
    return this.#driver.removeOrphans(exists);
  }

  /** Free what the container's endpoint holds here, none of it set up on the host. */
  forget(id: string): void {
    this.#allocator.release(id);
  }

  /** Undo the container's endpoint on the host and free what it held. */
  async release(id: string, endpoint: BridgeEndpoint): Promise<void> {
    try {
      await this.#driver.disconnect(id, endpoint);
    } finally {
      this.#allocator.release(id);
    }
  }
}
