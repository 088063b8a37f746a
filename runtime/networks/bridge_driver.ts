/**
 * The host side of the bridge network, done with iproute2 and iptables:
 * the bridge itself with forwarding and masquerading (once per daemon),
 * and per container a network namespace joined to the bridge by a veth
 * pair, and DNAT rules for its published ports. Everything here is kernel
 * state: it outlives the daemon, and every step can be done again or
 * undone without harm.
 * @module
 */

import { formatIpv4, type Ipv4Cidr, subnetText } from "./ipv4.ts";
import { formatIpv6, type Ipv6Cidr, ipv6SubnetText } from "./ipv6.ts";
import type { PublishedPort } from "./port_bindings.ts";

/** One container's place on the bridge, as its record keeps it. */
export interface BridgeEndpoint {
  ipAddress: string;
  prefixLength: number;
  gateway: string;
  macAddress: string;
  /** The network namespace the runtime joins (docker's SandboxKey). */
  sandboxKey: string;
  ports: PublishedPort[];
  /** The network's name server (user-defined networks): the container's nameserver. */
  dnsServer?: string;
  /** Its interface inside the container (eth0 when the record does not say). */
  interfaceName?: string;
  /** Docker's EndpointID (the container's id for records that did not keep one). */
  endpointId?: string;
  /** `--link-local-ip` addresses on its interface. */
  linkLocalIps?: string[];
  /** On a network with IPv6: its address there, the prefix and the gateway. */
  ipv6Address?: string;
  ipv6PrefixLength?: number;
  ipv6Gateway?: string;
}

/** A container has this many interfaces at most (eth0 to eth35: see {@link vethName}). */
export const MAX_INTERFACES = 36;

/** Where a container's network namespace is pinned. */
export function sandboxKey(id: string): string {
  return `/run/netns/${netnsName(id)}`;
}

function netnsName(id: string): string {
  return `berth-${id.slice(0, 12)}`;
}

/**
 * The host end of a container's veth pair for its interface ethN (15
 * characters at most): `vb` and the short id for eth0 (the name records of
 * single-network containers imply), `vx`, N in base 36 and 11 characters of
 * the id for the others.
 */
function vethName(id: string, interfaceName = "eth0"): string {
  const index = Number(interfaceName.slice(3));
  return index === 0 ? `vb${id.slice(0, 12)}` : `vx${index.toString(36)}${id.slice(0, 11)}`;
}

/** The container's short id (or its first 11 characters) in a host veth's name. */
const VETH_OWNER = /^\d+: (?:vb([0-9a-f]{12})|vx[0-9a-z]([0-9a-f]{11}))@/gm;

/** Marks a container's DNAT rules, so they can be found and removed. */
function ruleComment(id: string): string {
  return `berth:${id.slice(0, 12)}`;
}

/** The filter chains that keep berth's bridges apart. */
const ISOLATION_1 = "BERTH-ISOLATION-1";
const ISOLATION_2 = "BERTH-ISOLATION-2";

/** Failure of a host network command, with what it printed. */
export class NetworkCommandError extends Error {}

/** Run a host network tool (ip, iptables, sysctl); its stdout, or a NetworkCommandError. */
export async function runNetworkTool(program: string, args: string[], input = ""): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new NetworkCommandError(
      `the bridge network needs ${program}, which is not installed ` +
        "(apt-get install iproute2 iptables procps), or run the daemon with --bridge none",
    );
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input)).catch(() => {});
  await writer.close().catch(() => {});
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    const message = new TextDecoder().decode(stderr).trim() || `exit status ${code}`;
    throw new NetworkCommandError(`${program} ${args.join(" ")}: ${message}`);
  }
  return new TextDecoder().decode(stdout);
}

/** The firewall tool of an address family. */
type Firewall = "iptables" | "ip6tables";

/** True when `iptables -C` (or ip6tables') finds the rule. */
function ruleExists(
  table: string,
  chain: string,
  rule: string[],
  tool: Firewall = "iptables",
): Promise<boolean> {
  return runNetworkTool(tool, ["-t", table, "-C", chain, ...rule]).then(
    () => true,
    () => false,
  );
}

/**
 * Delete, in one iptables-restore, the rules of `table` (of `chain` only,
 * when given) that `chosen` picks from `iptables -S`'s listing.
 */
async function deleteRules(
  table: string,
  chain: string | undefined,
  chosen: (line: string) => boolean,
  tool: Firewall = "iptables",
): Promise<void> {
  const listed = await runNetworkTool(tool, ["-t", table, "-S", ...(chain ? [chain] : [])])
    .catch(() => "");
  const deletions = listed.split("\n")
    .filter((line) => line.startsWith(chain ? `-A ${chain} ` : "-A ") && chosen(line))
    .map((line) => line.replace(/^-A /, "-D "));
  if (deletions.length === 0) return;
  await runNetworkTool(
    `${tool}-restore`,
    ["--noflush"],
    `*${table}\n${deletions.join("\n")}\nCOMMIT\n`,
  );
}

/** Run `ip` commands in one process (in `netns` when given). */
function ipBatch(commands: string[], options: { netns?: string; force?: boolean } = {}) {
  const global = [
    ...(options.netns ? ["-n", options.netns] : []),
    ...(options.force ? ["-force"] : []),
  ];
  return runNetworkTool("ip", [...global, "-batch", "-"], commands.join("\n") + "\n");
}

/** How a bridge forwards (docker's bridge driver options). */
export interface BridgeOptions {
  /** Forwards nothing in or out; its containers get no default route. */
  internal?: boolean;
  /** Traffic between its containers (false: dropped, `enable_icc=false`). */
  icc?: boolean;
  /** Masquerade what leaves it (false: `enable_ip_masquerade=false`). */
  masquerade?: boolean;
  /** The MTU of the bridge and its veths. */
  mtu?: number;
  /** Its IPv6 address with the subnet's prefix: IPv6 forwarded and masqueraded too. */
  ipv6?: Ipv6Cidr;
}

/** The daemon's bridge. */
export class BridgeDriver {
  #ready: Promise<void> | undefined;

  readonly internal: boolean;

  /** `gateway` is the bridge's own address with the subnet's prefix. */
  constructor(
    readonly name: string,
    readonly gateway: Ipv4Cidr,
    readonly options: BridgeOptions = {},
  ) {
    this.internal = options.internal === true;
  }

  /** The nat chain holding the published ports of this bridge's containers. */
  get chain(): string {
    return `BERTH-${this.name}`;
  }

  /** Set the bridge up, once per daemon (what is there already is kept). */
  ensure(): Promise<void> {
    this.#ready ??= this.#setUp().catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #setUp(): Promise<void> {
    const { name, chain } = this;
    await runNetworkTool("ip", ["link", "add", name, "type", "bridge"]).catch((error) => {
      if (!/File exists/.test(error.message)) throw error;
    });
    await ipBatch([
      `addr replace ${formatIpv4(this.gateway.address)}/${this.gateway.prefixLength} dev ${name}`,
      ...(this.options.mtu ? [`link set ${name} mtu ${this.options.mtu}`] : []),
      `link set ${name} up`,
    ]);
    // Forwarding, and published ports answering on 127.0.0.1 too: DNAT
    // from the loopback address to the bridge needs route_localnet (and
    // the masquerade below). Slashes: a bridge name may hold dots.
    await runNetworkTool("sysctl", [
      "-q",
      "-w",
      "net/ipv4/ip_forward=1",
      `net/ipv4/conf/${name}/route_localnet=1`,
      ...(this.options.icc === false ? ["net/bridge/bridge-nf-call-iptables=1"] : []),
    ]);
    await runNetworkTool("iptables", ["-t", "nat", "-N", chain]).catch((error) => {
      if (!/exists/i.test(error.message)) throw error;
    });
    const subnet = subnetText(this.gateway);
    const rules: [string, string, string[]][] = [
      ["nat", "PREROUTING", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", chain]],
      ["nat", "OUTPUT", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", chain]],
      ["nat", "POSTROUTING", ["-s", "127.0.0.0/8", "-o", name, "-j", "MASQUERADE"]],
      // A container reaching a published port through the host (hairpin):
      // the answer must come back through the host too.
      ["nat", "POSTROUTING", [
        "-s",
        subnet,
        "-o",
        name,
        "-m",
        "conntrack",
        "--ctstate",
        "DNAT",
        "-j",
        "MASQUERADE",
      ]],
    ];
    if (this.internal) {
      // Nothing in or out but between its own containers (docker's way).
      rules.push(
        ["filter", ISOLATION_1, ["-i", name, "!", "-o", name, "-j", "DROP"]],
        ["filter", ISOLATION_1, ["-o", name, "!", "-i", name, "-j", "DROP"]],
        ["filter", "FORWARD", ["-i", name, "-o", name, "-j", "ACCEPT"]],
      );
    } else {
      if (this.options.masquerade !== false) {
        rules.push(["nat", "POSTROUTING", ["-s", subnet, "!", "-o", name, "-j", "MASQUERADE"]]);
      }
      if (this.options.icc === false) {
        // Before the ACCEPTs below; the bridge hands its own frames to
        // iptables only with br_netfilter's bridge-nf-call-iptables.
        rules.push(["filter", "FORWARD", ["-i", name, "-o", name, "-j", "DROP"]]);
      }
      rules.push(
        // The FORWARD policy may be DROP (dockerd sets it so).
        ["filter", "FORWARD", ["-i", name, "-j", "ACCEPT"]],
        ["filter", "FORWARD", ["-o", name, "-j", "ACCEPT"]],
      );
    }
    // Isolation between networks, docker's way: traffic from one berth
    // bridge to another is dropped (chains shared by every berth bridge).
    for (const chainName of [ISOLATION_1, ISOLATION_2]) {
      await runNetworkTool("iptables", ["-N", chainName]).catch((error) => {
        if (!/exists/i.test(error.message)) throw error;
      });
    }
    rules.push(
      ["filter", ISOLATION_1, ["-i", name, "!", "-o", name, "-j", ISOLATION_2]],
      ["filter", ISOLATION_2, ["-o", name, "-j", "DROP"]],
    );
    for (const [table, target, rule] of rules) {
      if (!await ruleExists(table, target, rule)) {
        await runNetworkTool("iptables", ["-t", table, "-A", target, ...rule]);
      }
    }
    // First in FORWARD, before any ACCEPT.
    if (!await ruleExists("filter", "FORWARD", ["-j", ISOLATION_1])) {
      await runNetworkTool("iptables", ["-I", "FORWARD", "-j", ISOLATION_1]);
    }
    if (this.options.ipv6) await this.#setUpIpv6(this.options.ipv6);
  }

  /** IPv6 on the bridge: its address, forwarding, and what docker's ip6tables rules do. */
  async #setUpIpv6(gateway: Ipv6Cidr): Promise<void> {
    const { name } = this;
    await runNetworkTool("sysctl", [
      "-q",
      "-w",
      `net/ipv6/conf/${name}/disable_ipv6=0`,
      "net/ipv6/conf/all/forwarding=1",
    ]);
    await runNetworkTool("ip", [
      "-6",
      "addr",
      "replace",
      `${formatIpv6(gateway.address)}/${gateway.prefixLength}`,
      "dev",
      name,
      "nodad",
    ]);
    const subnet = ipv6SubnetText(gateway);
    const rules: [string, string, string[]][] = this.internal
      ? [
        ["filter", "FORWARD", ["-i", name, "!", "-o", name, "-j", "DROP"]],
        ["filter", "FORWARD", ["-o", name, "!", "-i", name, "-j", "DROP"]],
      ]
      : [
        ...(this.options.masquerade !== false
          ? [["nat", "POSTROUTING", ["-s", subnet, "!", "-o", name, "-j", "MASQUERADE"]]] as [
            string,
            string,
            string[],
          ][]
          : []),
        ["filter", "FORWARD", ["-i", name, "-j", "ACCEPT"]],
        ["filter", "FORWARD", ["-o", name, "-j", "ACCEPT"]],
      ];
    for (const [table, target, rule] of rules) {
      if (!await ruleExists(table, target, rule, "ip6tables")) {
        await runNetworkTool("ip6tables", ["-t", table, "-A", target, ...rule]);
      }
    }
  }

  /** Take the bridge and every rule naming it away (its network is removed). */
  async destroy(): Promise<void> {
    // No running container is on it: any endpoint left is an orphan.
    await this.removeOrphans(() => false);
    await runNetworkTool("ip", ["link", "del", this.name]).catch(() => {});
    const name = this.name.replaceAll(".", "\\.");
    const mentions = new RegExp(` (BERTH-${name}|-i ${name}|-o ${name})( |$)`);
    for (const table of ["nat", "filter"]) {
      await deleteRules(table, undefined, (line) => mentions.test(line));
      if (this.options.ipv6) {
        await deleteRules(table, undefined, (line) => mentions.test(line), "ip6tables");
      }
    }
    await runNetworkTool("iptables", ["-t", "nat", "-X", this.chain]).catch(() => {});
    this.#ready = undefined;
  }

  /**
   * Join the container's network namespace (made by {@link makeSandbox})
   * to the bridge: a veth pair, its address, the default route when
   * `defaultRoute` (never on an internal bridge), and DNAT of its
   * published ports to it.
   */
  async connect(
    id: string,
    endpoint: BridgeEndpoint,
    options: { defaultRoute?: boolean } = {},
  ): Promise<void> {
    await this.ensure();
    const netns = netnsName(id);
    const inside = endpoint.interfaceName ?? "eth0";
    const veth = vethName(id, inside);
    await this.#joinBridge(netns, veth, inside, endpoint).catch(async () => {
      // The bridge may have gone away under the daemon: set it up again, once.
      this.#ready = undefined;
      await removeLink(veth);
      await this.ensure();
      await this.#joinBridge(netns, veth, inside, endpoint);
    });
    const route = options.defaultRoute && !this.internal;
    const v6 = endpoint.ipv6Address;
    await ipBatch([
      `addr add ${endpoint.ipAddress}/${endpoint.prefixLength} dev ${inside}`,
      ...(v6 ? [`addr add ${v6}/${endpoint.ipv6PrefixLength} dev ${inside} nodad`] : []),
      // Link-local: 169.254.0.0/16 and fe80::/64, as docker gives them.
      ...(endpoint.linkLocalIps ?? []).map((address) =>
        `addr add ${address}/${address.includes(":") ? 64 : 16} dev ${inside}`
      ),
      `link set ${inside} up`,
      ...(route ? [`route replace default via ${endpoint.gateway} dev ${inside}`] : []),
      // The family is the address's (`ip -batch` takes no -6).
      ...(route && v6 ? [`route replace default via ${endpoint.ipv6Gateway} dev ${inside}`] : []),
    ], { netns });
    if (endpoint.ports.length === 0) return;
    // At the top: a port freed at its container's exit may be published
    // again before that container's rules are gone; the newest rule wins.
    const rules = endpoint.ports.map((port) =>
      [
        `-I ${this.chain}`,
        port.hostIp ? `-d ${port.hostIp}/32` : "",
        `-p ${port.protocol} -m ${port.protocol} --dport ${port.hostPort}`,
        `-m comment --comment ${ruleComment(id)}`,
        `-j DNAT --to-destination ${endpoint.ipAddress}:${port.containerPort}`,
      ].filter(Boolean).join(" ")
    );
    await runNetworkTool("iptables-restore", ["--noflush"], `*nat\n${rules.join("\n")}\nCOMMIT\n`);
  }

  /** The veth pair joining the namespace to the bridge, its inner end named `inside`. */
  #joinBridge(
    netns: string,
    veth: string,
    inside: string,
    endpoint: BridgeEndpoint,
  ): Promise<string> {
    const mtu = this.options.mtu ? `mtu ${this.options.mtu}` : "";
    return ipBatch([
      `link add ${veth} ${mtu} type veth peer name ${inside} address ${endpoint.macAddress} ${mtu} ` +
      `netns ${netns}`,
      `link set ${veth} master ${this.name} up`,
      // A container reaching its own published port: the bridge sends the
      // frame back out of the port it came in by.
      `link set ${veth} type bridge_slave hairpin on`,
    ]);
  }

  /**
   * Undo the endpoints on this bridge of containers that `exists` does
   * not know (by short id, or its first 11 characters): what a daemon
   * killed while it took them down left behind.
   */
  async removeOrphans(exists: (shortId: string) => boolean): Promise<string[]> {
    const listed = await runNetworkTool("ip", ["-o", "link", "show", "master", this.name]).catch(
      () => "",
    );
    const removed: string[] = [];
    for (const match of listed.matchAll(VETH_OWNER)) {
      const id = match[1] ?? match[2];
      if (exists(id)) continue;
      // Its own release may be at it too: what is gone already is fine.
      await removeLink(match[0].replace(/^\d+: /, "").replace(/@$/, ""));
      // The veth is on this daemon's bridge, so the namespace is this daemon's too.
      await removeSandboxesOf(id);
      await deleteRules("nat", this.chain, (line) => line.includes(ruleComment(id))).catch(
        () => {},
      );
      removed.push(id);
    }
    return removed;
  }

  /**
   * Undo {@link connect}, whatever part of it was done (the namespace
   * stays). The veth goes even after its namespace did: a process still
   * holding the namespace would keep it.
   */
  async disconnect(
    id: string,
    endpoint: Pick<BridgeEndpoint, "interfaceName" | "ports">,
  ): Promise<void> {
    await removeLink(vethName(id, endpoint.interfaceName));
    // Only published ports have rules (an orphan's are swept by removeOrphans).
    if (endpoint.ports.length) {
      await deleteRules("nat", this.chain, (line) => line.includes(ruleComment(id)));
    }
  }
}

/** Delete a host link; one that is gone already is fine. */
async function removeLink(name: string): Promise<void> {
  await runNetworkTool("ip", ["link", "del", name]).catch(() => {});
}

/**
 * The container's network namespace, with loopback up: made here, or
 * (`pid`) the one its runtime made, pinned under the same name.
 */
export async function makeSandbox(id: string, pid?: number): Promise<void> {
  const netns = netnsName(id);
  await ipBatch([pid ? `netns attach ${netns} ${pid}` : `netns add ${netns}`]).catch(
    async (error) => {
      // Left by a release cut short: start from a fresh one.
      if (!/File exists/.test(error.message)) throw error;
      await removeSandbox(id);
      await ipBatch([pid ? `netns attach ${netns} ${pid}` : `netns add ${netns}`]);
    },
  );
  await ipBatch(["link set lo up"], { netns });
}

/** Remove the container's network namespace (its veths go with it); gone already is fine. */
export async function removeSandbox(id: string): Promise<void> {
  await runNetworkTool("ip", ["netns", "del", netnsName(id)]).catch(() => {});
}

/** Remove the namespaces whose container's id starts with `shortId`. */
async function removeSandboxesOf(shortId: string): Promise<void> {
  const listed = await runNetworkTool("ip", ["netns", "list"]).catch(() => "");
  for (const [, name] of listed.matchAll(/^(berth-[0-9a-f]{12})\b/gm)) {
    if (name.startsWith(`berth-${shortId}`)) {
      await runNetworkTool("ip", ["netns", "del", name]).catch(() => {});
    }
  }
}

/**
 * Point the container's default routes at `gateway` (and `ipv6Gateway`)
 * through `inside`, or take them away.
 */
export async function setDefaultRoute(
  id: string,
  route: { gateway: string; ipv6Gateway?: string; inside: string } | undefined,
): Promise<void> {
  const netns = netnsName(id);
  await ipBatch(["route del default", "route del ::/0"], { netns, force: true }).catch(
    () => {},
  );
  if (!route) return;
  await ipBatch([
    `route replace default via ${route.gateway} dev ${route.inside}`,
    ...(route.ipv6Gateway
      ? [`route replace default via ${route.ipv6Gateway} dev ${route.inside}`]
      : []),
  ], { netns });
}
