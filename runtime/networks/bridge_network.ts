/**
 * The bridge network of a daemon: a container connected to it gets an
 * address of the bridge's subnet and its published ports when it starts,
 * and gives them back when it stops. The endpoint is kept in the
 * container's record, the source of truth after a daemon restart.
 * @module
 */

import { BridgeAllocator } from "./bridge_allocator.ts";
import { BridgeDriver, type BridgeEndpoint, sandboxKey } from "./bridge_driver.ts";
import { formatIpv4, type Ipv4Cidr, macForIpv4, parseIpv4 } from "./ipv4.ts";
import type { PublishedPort } from "./port_bindings.ts";

/** Docker's name for the default network. */
export const BRIDGE_NETWORK = "bridge";

/** A container's EndpointID: it has one endpoint, so its own id serves. */
export function endpointId(containerId: string): string {
  return containerId;
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
    options: { internal?: boolean } = {},
  ) {
    this.#allocator = new BridgeAllocator(gateway);
    this.#driver = new BridgeDriver(bridge, gateway, options.internal === true);
  }

  /**
   * Take an address (`wantedAddress` when given) and the host ports of
   * `ports` for container `id` (a conflict throws, with nothing taken).
   */
  allocate(id: string, ports: PublishedPort[], wantedAddress?: number): BridgeEndpoint {
    const published = this.#allocator.takePorts(id, ports, hostPortFree);
    let address: number;
    try {
      address = this.#allocator.takeAddress(id, wantedAddress);
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

  /** Set the endpoint up on the host (after {@link allocate}). */
  connect(
    id: string,
    endpoint: BridgeEndpoint,
    options: { pid?: number } = {},
  ): Promise<void> {
    return this.#driver.connect(id, endpoint, options);
  }

  /** Hold again what a running container's endpoint holds (daemon restart). */
  reserve(id: string, endpoint: BridgeEndpoint): void {
    this.#allocator.reserve(id, parseIpv4(endpoint.ipAddress) ?? 0, endpoint.ports);
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

  /** Undo the container's endpoint on the host and free what it held. */
  async release(id: string): Promise<void> {
    try {
      await this.#driver.disconnect(id);
    } finally {
      this.#allocator.release(id);
    }
  }
}
