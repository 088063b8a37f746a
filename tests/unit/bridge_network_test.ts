import { deepStrictEqual, throws } from "node:assert/strict";
import { BridgeAllocator, DYNAMIC_PORTS } from "../../runtime/networks/bridge_allocator.ts";
import {
  formatIpv4,
  macForIpv4,
  parseIpv4,
  parseIpv4Cidr,
  subnetText,
} from "../../runtime/networks/ipv4.ts";
import {
  inspectPorts,
  listPorts,
  type PublishedPort,
  requestedPorts,
} from "../../runtime/networks/port_bindings.ts";
import { parseDaemonFlags } from "../../runtime/daemon_flags.ts";
import { daemonPermissions } from "../../runtime/daemon_permissions.ts";

Deno.test("IPv4 addresses and CIDRs parse, print and give docker's MAC", () => {
  deepStrictEqual(parseIpv4("10.87.0.1"), 10 * 2 ** 24 + 87 * 2 ** 16 + 1);
  deepStrictEqual(formatIpv4(parseIpv4("255.255.255.255")!), "255.255.255.255");
  for (const bad of ["10.87.0", "10.87.0.256", "10.087.0.1", "a.b.c.d", "1.2.3.4.5"]) {
    deepStrictEqual(parseIpv4(bad), undefined, bad);
  }
  deepStrictEqual(subnetText(parseIpv4Cidr("10.87.3.1/16")!), "10.87.0.0/16");
  deepStrictEqual(parseIpv4Cidr("10.87.0.1/33"), undefined);
  deepStrictEqual(macForIpv4(parseIpv4("172.17.0.2")!), "02:42:ac:11:00:02");
});

Deno.test("port bindings are spelled out one port at a time, with docker's errors", () => {
  deepStrictEqual(
    requestedPorts(
      {
        "80/tcp": [{ HostIp: "", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: "" }],
        "53/udp": null,
        "1000-1001/tcp": [{ HostPort: "2000-2001" }],
        "90/tcp": [{ HostPort: "9000-9010" }],
      },
      true,
      { "80/tcp": {}, "443/tcp": {} },
    ),
    [
      { protocol: "tcp", containerPort: 80, hostIp: "", hostPort: 8080 },
      { protocol: "tcp", containerPort: 80, hostIp: "127.0.0.1", hostPort: 0 },
      { protocol: "udp", containerPort: 53, hostIp: "", hostPort: 0 },
      { protocol: "tcp", containerPort: 1000, hostIp: "", hostPort: 2000 },
      { protocol: "tcp", containerPort: 1001, hostIp: "", hostPort: 2001 },
      { protocol: "tcp", containerPort: 90, hostIp: "", hostPort: 9000, hostPortEnd: 9010 },
      { protocol: "tcp", containerPort: 443, hostIp: "", hostPort: 0 },
    ],
  );
  deepStrictEqual(requestedPorts(undefined, false, { "80/tcp": {} }), []);
  const refused = (bindings: unknown, message: RegExp) =>
    throws(() => requestedPorts(bindings, false, {}), message);
  refused({ "x/tcp": [] }, /invalid containerPort: x/);
  refused({ "70000": [] }, /invalid containerPort: 70000/);
  refused({ "80/icmp": [] }, /invalid proto: icmp/);
  refused({ "80": [{ HostPort: "x" }] }, /invalid hostPort: x/);
  refused({ "80": [{ HostIp: "::1", HostPort: "80" }] }, /IPv4 addresses only/);
  refused({ "80": [{ HostIp: "999.1.1.1" }] }, /invalid IP address: 999.1.1.1/);
  refused({ "80-82": [{ HostPort: "90-91" }] }, /invalid ranges/);
  refused("80:80", /PortBindings must be an object/);
});

Deno.test("inspect and the list show published ports and exposed ones as docker does", () => {
  const published: PublishedPort[] = [
    { protocol: "tcp", containerPort: 80, hostIp: "", hostPort: 8080 },
  ];
  deepStrictEqual(inspectPorts(published, { "80/tcp": {}, "443/tcp": {} }), {
    "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }],
    "443/tcp": null,
  });
  deepStrictEqual(listPorts(published, { "80/tcp": {}, "443/tcp": {} }), [
    { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
    { PrivatePort: 443, Type: "tcp" },
  ]);
});

Deno.test("the allocator hands out the lowest free address and host ports nobody holds", () => {
  const allocator = new BridgeAllocator(parseIpv4Cidr("10.1.0.1/29")!);
  const free = () => true;
  // The gateway (.1), the network (.0) and the broadcast (.7) are never given.
  const taken = ["a", "b", "c", "d", "e", "f"].map((owner) => {
    try {
      return formatIpv4(allocator.takeAddress(owner));
    } catch {
      return "none";
    }
  });
  deepStrictEqual(taken, ["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6", "none"]);
  allocator.release("b");
  deepStrictEqual(formatIpv4(allocator.takeAddress("g")), "10.1.0.3");
  // A given address: once, and only inside the subnet (never the gateway).
  allocator.release("c");
  deepStrictEqual(formatIpv4(allocator.takeAddress("x", parseIpv4("10.1.0.4"))), "10.1.0.4");
  throws(() => allocator.takeAddress("y", parseIpv4("10.1.0.4")), /Address already in use/);
  for (const outside of ["10.1.0.1", "10.1.0.7", "10.1.1.2"]) {
    throws(() => allocator.takeAddress("y", parseIpv4(outside)), /does not belong/, outside);
  }

  const port = (hostPort: number, hostIp = ""): PublishedPort => ({
    protocol: "tcp",
    containerPort: 80,
    hostIp,
    hostPort,
  });
  deepStrictEqual(allocator.takePorts("a", [port(8080, "127.0.0.1")], free), [
    port(8080, "127.0.0.1"),
  ]);
  // Another address of the host is fine; all addresses overlap it.
  deepStrictEqual(allocator.takePorts("b", [port(8080, "10.0.0.5")], free).length, 1);
  throws(() => allocator.takePorts("c", [port(8080)], free), /0\.0\.0\.0:8080 failed/);
  // All or nothing: a clash frees what the same call took.
  throws(() => allocator.takePorts("c", [port(9090), port(8080, "127.0.0.1")], free));
  deepStrictEqual(allocator.takePorts("d", [port(9090)], free).length, 1);
  // No host port: the next free one of the dynamic range; a busy one is skipped.
  const busy = (candidate: PublishedPort) => candidate.hostPort !== DYNAMIC_PORTS[0];
  deepStrictEqual(allocator.takePorts("e", [port(0)], busy)[0].hostPort, DYNAMIC_PORTS[0] + 1);
  deepStrictEqual(allocator.takePorts("e", [port(0)], free)[0].hostPort, DYNAMIC_PORTS[0] + 2);
  // A range: the first free port of it.
  deepStrictEqual(
    allocator.takePorts("f", [{ ...port(9089), hostPortEnd: 9091 }], free)[0].hostPort,
    9089,
  );
  deepStrictEqual(
    allocator.takePorts("g", [{ ...port(9089), hostPortEnd: 9091 }], free)[0].hostPort,
    9091,
  );
  // A restarted daemon holds again what a record says.
  allocator.reserve("h", parseIpv4("10.1.0.3")!, [port(7070)]);
  throws(() => allocator.takePorts("i", [port(7070)], free), /already allocated/);
  allocator.release("h");
  deepStrictEqual(allocator.takePorts("i", [port(7070)], free).length, 1);
});

Deno.test("--bridge and --bip are checked; the bridge's tools are granted", () => {
  const flags = parseDaemonFlags([]);
  deepStrictEqual(flags.bridge?.name, "berth0");
  deepStrictEqual(formatIpv4(flags.bridge!.gateway.address), "10.87.0.1");
  deepStrictEqual(parseDaemonFlags(["--bridge", "none"]).bridge, undefined);
  const bip = parseDaemonFlags(["-b", "br.1", "--bip", "192.168.5.1/24"]).bridge!;
  deepStrictEqual([bip.name, subnetText(bip.gateway)], ["br.1", "192.168.5.0/24"]);
  for (const bad of ["10.0.0.0/24", "10.0.0.255/24", "10.0.0.1", "10.0.0.1/31", "x/24"]) {
    throws(() => parseDaemonFlags(["--bip", bad]), /--bip must be/, bad);
  }
  throws(() => parseDaemonFlags(["--bridge", "a-name-too-long-x"]), /at most 15 characters/);
  const run = (args: string[]) =>
    daemonPermissions("/deno", "/shim.js", args, "/usr/sbin").find((flag) =>
      flag.startsWith("--allow-run=")
    )!;
  // User-defined networks need the tools with --bridge none too.
  deepStrictEqual(run([]).includes(",iptables,"), true);
  deepStrictEqual(run(["--bridge", "none"]).includes(",iptables,"), true);
});
