/**
 * IPv6 addresses as 128-bit bigints: parsing (with `::`), the shortest
 * text form (RFC 5952), subnets, and the 16 bytes of a DNS AAAA record.
 * @module
 */

/** An address with a prefix length (`fd00:1::1/64`). */
export interface Ipv6Cidr {
  address: bigint;
  prefixLength: number;
}

const ALL_ONES = (1n << 128n) - 1n;

/** The value of an IPv6 address, or undefined when `text` is not one (no zone, no embedded IPv4). */
export function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split("::").length > 2) return undefined;
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [
    ...headGroups,
    ...Array(tail === undefined ? 0 : missing).fill("0"),
    ...tailGroups,
  ];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** The shortest text of an address: lower case, the longest run of zero groups as `::`. */
export function formatIpv6(value: bigint): string {
  const groups = Array.from(
    { length: 8 },
    (_, index) => Number((value >> BigInt(112 - index * 16)) & 0xffffn),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  const before = hex.slice(0, bestStart).join(":");
  const after = hex.slice(bestStart + bestLength).join(":");
  return `${before}::${after}`;
}

/** `ADDRESS/LENGTH`, or undefined when malformed. */
export function parseIpv6Cidr(text: string): Ipv6Cidr | undefined {
  const [address, length, ...rest] = text.split("/");
  const value = parseIpv6(address);
  const prefixLength = Number(length);
  if (value === undefined || rest.length || !/^\d+$/.test(length ?? "") || prefixLength > 128) {
    return undefined;
  }
  return { address: value, prefixLength };
}

function mask(prefixLength: number): bigint {
  return (ALL_ONES << BigInt(128 - prefixLength)) & ALL_ONES;
}

/** The subnet's first address. */
export function ipv6Network(cidr: Ipv6Cidr): bigint {
  return cidr.address & mask(cidr.prefixLength);
}

/** True when `address` is in the subnet of `cidr`. */
export function inIpv6Subnet(cidr: Ipv6Cidr, address: bigint): boolean {
  return (address & mask(cidr.prefixLength)) === ipv6Network(cidr);
}

/** `NETWORK/LENGTH` of a subnet. */
export function ipv6SubnetText(cidr: Ipv6Cidr): string {
  return `${formatIpv6(ipv6Network(cidr))}/${cidr.prefixLength}`;
}

/** The 16 bytes of an address, most significant first. */
export function ipv6Bytes(value: bigint): Uint8Array {
  return Uint8Array.from(
    { length: 16 },
    (_, index) => Number((value >> BigInt(120 - index * 8)) & 0xffn),
  );
}
