import { deepStrictEqual } from "node:assert/strict";
import {
  formatIpv6,
  inIpv6Subnet,
  ipv6Bytes,
  ipv6Network,
  parseIpv6,
  parseIpv6Cidr,
} from "../../runtime/networks/ipv6.ts";

Deno.test("IPv6 addresses parse with :: and print in their shortest form", () => {
  for (
    const [text, shortest] of [
      ["fd00:abcd:0:0:0:0:0:1", "fd00:abcd::1"],
      ["::", "::"],
      ["::1", "::1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["2001:0db8:0000:0000:1:0:0:1", "2001:db8::1:0:0:1"],
      ["FE80::42:AC11:2", "fe80::42:ac11:2"],
      ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ]
  ) {
    deepStrictEqual(formatIpv6(parseIpv6(text)!), shortest, text);
  }
  for (
    const bad of ["", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "1.2.3.4", "fe80::1%eth0"]
  ) {
    deepStrictEqual(parseIpv6(bad), undefined, bad);
  }
});

Deno.test("IPv6 subnets: the network, membership, and the 16 bytes of a record", () => {
  const cidr = parseIpv6Cidr("fd00:1:2:3::1/64")!;
  deepStrictEqual(formatIpv6(ipv6Network(cidr)), "fd00:1:2:3::");
  deepStrictEqual(inIpv6Subnet(cidr, parseIpv6("fd00:1:2:3:ffff::9")!), true);
  deepStrictEqual(inIpv6Subnet(cidr, parseIpv6("fd00:1:2:4::1")!), false);
  deepStrictEqual(parseIpv6Cidr("fd00::/129"), undefined);
  deepStrictEqual(
    [...ipv6Bytes(parseIpv6("fd00::1:2")!)],
    [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2],
  );
});
