/**
 * What CRI tests share: a CNI network of the test's own (its bridge,
 * subnet and IPAM directory) and its cleanup, crictl on the daemon's CRI
 * socket, and the daemon flags that go with them.
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import { REPO, runCommand, type TestDaemon } from "./harness.ts";

/** Where cri-tools (v1.32, built for this machine) and critest's image stand-ins are. */
export const CRI_SHARED = Deno.realPathSync(`${REPO}/..`) + "/shared";
export const CRICTL = `${CRI_SHARED}/bin/crictl`;
export const CRITEST = `${CRI_SHARED}/bin/critest`;

/** A test's pod network: a CNI bridge with host-local addresses and portmap. */
export interface TestCniNetwork {
  confDir: string;
  bridge: string;
  subnet: string;
  ipamDir: string;
}

/** Write a CNI config of the daemon's own (bridge, host-local, portmap) under its dir. */
export async function writeCniNetwork(daemon: TestDaemon): Promise<TestCniNetwork> {
  const [high, low] = crypto.getRandomValues(new Uint8Array(2));
  const network: TestCniNetwork = {
    confDir: `${daemon.dir}/net.d`,
    bridge: `cni${daemon.dir.slice(-8)}`.slice(0, 15),
    subnet: `10.${150 + high % 40}.${low}.0/24`,
    ipamDir: `${daemon.dir}/ipam`,
  };
  await Deno.mkdir(network.confDir, { recursive: true });
  await Deno.writeTextFile(
    `${network.confDir}/10-test.conflist`,
    JSON.stringify({
      cniVersion: "1.0.0",
      name: `test-${daemon.dir.slice(-8)}`,
      plugins: [
        {
          type: "bridge",
          bridge: network.bridge,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: network.ipamDir,
            ranges: [[{ subnet: network.subnet }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }),
  );
  return network;
}

/** The daemon flags of a CRI test: its socket, network config and Debian's plugins. */
export function criFlags(daemon: TestDaemon, network: TestCniNetwork): string[] {
  return [
    "--cri-socket",
    `unix://${criSocket(daemon)}`,
    "--cni-conf-dir",
    network.confDir,
    "--cni-bin-dir",
    "/usr/lib/cni",
  ];
}

/** The daemon's CRI socket. */
export function criSocket(daemon: TestDaemon): string {
  return `${daemon.dir}/cri.sock`;
}

/** Run crictl against the daemon's CRI socket. */
export function crictl(daemon: TestDaemon, args: string[], options: { stdin?: string } = {}) {
  const endpoint = `unix://${criSocket(daemon)}`;
  return runCommand(
    CRICTL,
    ["--runtime-endpoint", endpoint, "--image-endpoint", endpoint, "--timeout", "60s", ...args],
    options,
  );
}

/** crictl that must succeed; its stdout, trimmed. */
export async function crictlOk(daemon: TestDaemon, args: string[]): Promise<string> {
  const result = await crictl(daemon, args);
  deepStrictEqual(result.code, 0, `crictl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * What the pods' network left behind: addresses still held in the IPAM
 * directory, interfaces on the test's bridge, pinned namespaces of the
 * daemon's pods (named in its log).
 */
export async function cniLeaks(daemon: TestDaemon, network: TestCniNetwork): Promise<string[]> {
  const leaks: string[] = [];
  try {
    for await (const entry of Deno.readDir(`${network.ipamDir}`)) {
      if (!entry.isDirectory) continue;
      for await (const file of Deno.readDir(`${network.ipamDir}/${entry.name}`)) {
        if (/^\d+\.\d+\.\d+\.\d+$/.test(file.name)) leaks.push(`address: ${file.name}`);
      }
    }
  } catch {
    // no address was ever taken
  }
  const links = await runCommand("ip", ["-o", "link", "show", "master", network.bridge]);
  for (const line of links.stdout.split("\n").filter(Boolean)) {
    leaks.push(`interface: ${line.split(": ")[1]}`);
  }
  const netns = (await runCommand("ip", ["netns", "list"])).stdout.split("\n")
    .map((line) => line.split(" ")[0]);
  for (const name of await podNamespaces(daemon)) {
    if (netns.includes(name)) leaks.push(`network namespace: ${name}`);
  }
  return leaks;
}

/** The network namespaces the daemon pinned for its pods (its log names every pod). */
async function podNamespaces(daemon: TestDaemon): Promise<string[]> {
  const log = await daemon.log().catch(() => "");
  const ids = [...log.matchAll(/msg="pod sandbox ready" id="([0-9a-f]{64})"/g)].map((m) => m[1]);
  return [...new Set(ids)].map((id) => `berth-${id.slice(0, 16)}`);
}

/**
 * Remove what a test's pods may have left when it failed (their pinned
 * namespaces, with the veths in them), the test's bridge, and the chains
 * portmap shares between pods (it keeps them).
 */
export async function removeCniNetwork(daemon: TestDaemon, network: TestCniNetwork): Promise<void> {
  for (const name of await podNamespaces(daemon)) await runCommand("ip", ["netns", "delete", name]);
  await runCommand("ip", ["link", "delete", network.bridge]);
  const rules = await runCommand("iptables", ["-t", "nat", "-S"]);
  for (const rule of rules.stdout.split("\n")) {
    if (/^-A (PREROUTING|OUTPUT|POSTROUTING) .*-j CNI-HOSTPORT-/.test(rule)) {
      await runCommand("iptables", ["-t", "nat", ...rule.replace(/^-A/, "-D").split(" ")]);
    }
  }
  for (const chain of ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"]) {
    await runCommand("iptables", ["-t", "nat", "-F", chain]);
    await runCommand("iptables", ["-t", "nat", "-X", chain]);
  }
}

/** Start the daemon with the CRI on a CNI network of its own; run `scenario`; clean the network up. */
export async function withCriDaemon(
  daemon: TestDaemon,
  scenario: (network: TestCniNetwork) => Promise<void>,
  moreFlags: string[] = [],
): Promise<void> {
  const network = await writeCniNetwork(daemon);
  try {
    await daemon.restartWith([...criFlags(daemon, network), ...moreFlags]);
    await daemon.importBusybox();
    await scenario(network);
    deepStrictEqual(await cniLeaks(daemon, network), [], "pod network leaks");
  } finally {
    await removeCniNetwork(daemon, network);
  }
}

/** Write a crictl config file (pod or container) under the daemon's dir. */
export async function configFile(
  daemon: TestDaemon,
  name: string,
  config: unknown,
): Promise<string> {
  const path = `${daemon.dir}/${name}.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}
