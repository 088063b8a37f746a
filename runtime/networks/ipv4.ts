/**
 * IPv4 addresses as unsigned 32-bit numbers: parsing and printing them,
 * CIDR notation, and the MAC address docker derives from an address.
 * @module
 */

/** An address with its prefix length, as `10.87.0.1/16` spells it. */
export interface Ipv4Cidr {
  address: number;
  prefixLength: number;
}

/** A dotted-quad address as a number; undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** A number as a dotted-quad address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** `ADDRESS/PREFIX`; undefined when it is not one. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const prefixLength = Number(match[2]);
  if (address === undefined || prefixLength > 32) return undefined;
  return { address, prefixLength };
}

/** The first address of the subnet `cidr` is in. */
export function networkAddress(cidr: Ipv4Cidr): number {
  const size = 2 ** (32 - cidr.prefixLength);
  return cidr.address - cidr.address % size;
}

/** The last address (broadcast) of the subnet `cidr` is in. */
export function broadcastAddress(cidr: Ipv4Cidr): number {
  return networkAddress(cidr) + 2 ** (32 - cidr.prefixLength) - 1;
}

/** `NETWORK/PREFIX` of the subnet `cidr` is in. */
export function subnetText(cidr: Ipv4Cidr): string {
  return `${formatIpv4(networkAddress(cidr))}/${cidr.prefixLength}`;
}

/** True when `address` is in the subnet of `cidr`. */
export function inSubnet(cidr: Ipv4Cidr, address: number): boolean {
  return address >= networkAddress(cidr) && address <= broadcastAddress(cidr);
}

/** docker's MAC for an address: 02:42 and the address's four bytes. */
export function macForIpv4(address: number): string {
  const bytes = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return ["02", "42", ...bytes.map((byte) => byte.toString(16).padStart(2, "0"))].join(":");
}
