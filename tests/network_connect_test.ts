import { deepStrictEqual, match, notDeepStrictEqual, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  eventually,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";

/** The docker CLI against the test daemon. */
function dockerCli(daemon: TestDaemon) {
  const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
  return (args: string[]) => runCommand("docker", args, { env });
}

/** A /24 of its own for each network of a test: 10.X.Y.0/24. */
function randomSubnetBase(): string {
  const [high, low] = crypto.getRandomValues(new Uint8Array(2));
  return `10.${150 + high % 40}.${low % 250}`;
}

/** The container's IPv4 addresses by interface: "eth0 10.1.2.3/24" lines, sorted. */
async function addresses(daemon: TestDaemon, container: string): Promise<string> {
  const listed = await daemon.ok(["exec", container, "ip", "-o", "-4", "addr", "show"]);
  return listed.split("\n")
    .map((line) => /^\d+: (\S+)\s+inet (\S+)/.exec(line))
    .filter((found) => found && found[1] !== "lo")
    .map((found) => `${found![1]} ${found![2]}`)
    .sort()
    .join("\n");
}

/** What docker-py's low-level client answers for `call` (Python), "ok" or "STATUS message". */
async function dockerPy(daemon: TestDaemon, call: string): Promise<string> {
  const result = await runCommand("python3", [
    "-c",
    `import docker
client = docker.APIClient(base_url="${daemon.host}")
try:
    ${call}
    print("ok")
except docker.errors.APIError as error:
    print(error.status_code, error.explanation)`,
  ]);
  deepStrictEqual(result.code, 0, result.stderr);
  return result.stdout.trim();
}

integrationTest(
  "network connect and disconnect: a running container gets a veth per network, names resolve on each, /etc/hosts and the default route follow; kept across a daemon restart; created containers and several networks at create",
  async (daemon) => {
    const docker = dockerCli(daemon);
    const [front, back] = [randomSubnetBase(), randomSubnetBase()];
    await daemon.ok(["network", "create", "--subnet", `${front}.0/24`, "front"]);
    await daemon.ok(["network", "create", "--subnet", `${back}.0/24`, "back"]);
    const web = (await daemon.ok([
      "run",
      "-d",
      "--name",
      "web",
      "--network",
      "front",
      "busybox",
      "sh",
      "-c",
      "mkdir /www && echo served-by-web > /www/index.html && exec httpd -f -p 80 -h /www",
    ])).trim();
    await daemon.ok(["run", "-d", "--name", "db", "--network", "back", "busybox", "sleep", "300"]);
    deepStrictEqual(await addresses(daemon, "web"), `eth0 ${front}.2/24`);

    // docker's CLI: an alias and a given address on the second network.
    const connect = await docker([
      "network",
      "connect",
      "--alias",
      "api",
      "--ip",
      `${back}.50`,
      "back",
      "web",
    ]);
    deepStrictEqual(connect.code, 0, connect.stderr);
    deepStrictEqual(await addresses(daemon, "web"), `eth0 ${front}.2/24\neth1 ${back}.50/24`);
    // From db (on back only): web by its alias and its name, at its back address.
    deepStrictEqual(
      await daemon.ok(["exec", "db", "wget", "-qO-", "http://api/"]),
      "served-by-web\n",
    );
    match(await daemon.ok(["exec", "db", "nslookup", "web"]), new RegExp(`Address: ${back}\\.50`));
    // From web: db, on the network web just joined.
    match(await daemon.ok(["exec", "web", "nslookup", "db"]), new RegExp(`Address: ${back}\\.2`));
    const hosts = await daemon.ok(["exec", "web", "cat", "/etc/hosts"]);
    match(hosts, new RegExp(`${front}\\.2\\t${web.slice(0, 12)}\n`));
    match(hosts, new RegExp(`${back}\\.50\\t${web.slice(0, 12)}\n`));
    deepStrictEqual(
      (await daemon.ok(["exec", "web", "sh", "-c", "ip route | grep ^default"])).trim(),
      `default via ${front}.1 dev eth0`,
    );

    // inspect as docker fills it; network inspect lists web on back.
    const networks = JSON.parse(
      await daemon.ok(["inspect", "-f", "{{json .NetworkSettings.Networks}}", "web"]),
    );
    deepStrictEqual(Object.keys(networks).sort(), ["back", "front"]);
    const onBack = networks.back;
    deepStrictEqual(onBack.Aliases, ["api", web.slice(0, 12)]);
    deepStrictEqual(onBack.IPAMConfig, { IPv4Address: `${back}.50` });
    deepStrictEqual([onBack.IPAddress, onBack.IPPrefixLen, onBack.Gateway], [
      `${back}.50`,
      24,
      `${back}.1`,
    ]);
    deepStrictEqual(
      onBack.NetworkID,
      (await daemon.ok(["network", "inspect", "-f", "{{.Id}}", "back"])).trim(),
    );
    match(onBack.EndpointID, /^[0-9a-f]{64}$/);
    notDeepStrictEqual(onBack.EndpointID, networks.front.EndpointID);
    match(onBack.MacAddress, /^02:42:/);
    const members = JSON.parse(
      await daemon.ok(["network", "inspect", "-f", "{{json .Containers}}", "back"]),
    );
    deepStrictEqual(members[web].IPv4Address, `${back}.50/24`);
    deepStrictEqual(members[web].EndpointID, onBack.EndpointID);
    // ps --filter network= by name or id: what is connected to it.
    deepStrictEqual(
      (await docker(["ps", "--filter", "network=back", "--format", "{{.Names}}"])).stdout
        .split("\n").filter(Boolean).sort(),
      ["db", "web"],
    );
    deepStrictEqual(
      (await docker(["ps", "--filter", `network=${onBack.NetworkID}`, "-q"])).stdout
        .split("\n").filter(Boolean).length,
      2,
    );

    // A daemon killed and started again: the endpoint is still there and known.
    await daemon.kill9();
    await daemon.startProcess();
    await eventually(
      async () =>
        (await daemon.berth(["exec", "db", "timeout", "3", "wget", "-qO-", "http://api/"]))
          .stdout ===
          "served-by-web\n",
      10_000,
      "api answering after the daemon's restart",
    );
    const disconnect = await docker(["network", "disconnect", "back", "web"]);
    deepStrictEqual(disconnect.code, 0, disconnect.stderr);
    deepStrictEqual(await addresses(daemon, "web"), `eth0 ${front}.2/24`);
    deepStrictEqual((await daemon.berth(["exec", "db", "nslookup", "api"])).code, 1);
    deepStrictEqual(
      (await daemon.ok(["exec", "web", "cat", "/etc/hosts"])).includes(`${back}.50`),
      false,
    );
    deepStrictEqual(
      await daemon.ok([
        "inspect",
        "-f",
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
        "web",
      ]),
      "front \n",
    );

    // Disconnected from the network of its default route: the other one takes over.
    await daemon.ok(["network", "connect", "back", "web"]);
    await daemon.ok(["network", "disconnect", "front", "web"]);
    deepStrictEqual(await addresses(daemon, "web"), `eth1 ${back}.3/24`);
    deepStrictEqual(
      (await daemon.ok(["exec", "web", "sh", "-c", "ip route | grep ^default"])).trim(),
      `default via ${back}.1 dev eth1`,
    );
    match(
      await daemon.ok(["exec", "web", "cat", "/etc/resolv.conf"]),
      new RegExp(`nameserver ${back}\\.1\n`),
    );

    // A created container: connected in its record, both networks at its start.
    await daemon.ok(["create", "--name", "later", "--network", "front", "busybox", "sleep", "300"]);
    deepStrictEqual((await docker(["network", "connect", "back", "later"])).code, 0);
    await daemon.ok(["start", "later"]);
    deepStrictEqual(await addresses(daemon, "later"), `eth0 ${front}.2/24\neth1 ${back}.4/24`);
    deepStrictEqual(
      (await daemon.ok(["exec", "later", "sh", "-c", "ip route | grep ^default"])).trim(),
      `default via ${front}.1 dev eth0`,
    );
    // Stopped and started again: the same two networks.
    await daemon.ok(["stop", "-t", "1", "later"]);
    await daemon.ok(["start", "later"]);
    match(await addresses(daemon, "later"), /^eth0 .*\neth1 /);

    // Two networks at create (the docker CLI sends both in EndpointsConfig).
    const both = await docker([
      "run",
      "--rm",
      "--network",
      "front",
      "--network",
      "back",
      "busybox",
      "sh",
      "-c",
      "ip -o -4 addr show | grep -c 'eth[01]'",
    ]);
    deepStrictEqual([both.code, both.stdout], [0, "2\n"], both.stderr);

    await daemon.ok(["rm", "-f", "web", "db", "later"]);
    await daemon.ok(["network", "rm", "front", "back"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "network connect and disconnect refuse as docker does (status and words), with nothing half-made",
  async (daemon) => {
    const docker = dockerCli(daemon);
    const base = randomSubnetBase();
    await daemon.ok(["network", "create", "--subnet", `${base}.0/24`, "net1"]);
    await daemon.ok(["run", "-d", "--name", "one", "--network", "net1", "busybox", "sleep", "300"]);
    await daemon.ok(["run", "-d", "--name", "two", "busybox", "sleep", "300"]);
    const before = await addresses(daemon, "two");

    const twice = await docker(["network", "connect", "net1", "one"]);
    deepStrictEqual(twice.code, 1);
    match(twice.stderr, /endpoint with name one already exists in network net1/);
    deepStrictEqual(
      await dockerPy(daemon, 'client.connect_container_to_network("one", "net1")'),
      "403 endpoint with name one already exists in network net1",
    );
    match(
      await dockerPy(daemon, 'client.disconnect_container_from_network("two", "net1")'),
      /^500 container [0-9a-f]{64} is not connected to network net1$/,
    );
    match(
      await dockerPy(
        daemon,
        `client.connect_container_to_network("two", "net1", ipv4_address="10.1.1.1")`,
      ),
      /^400 Invalid address 10\.1\.1\.1: It does not belong to any of this network's subnets$/,
    );
    deepStrictEqual(
      await dockerPy(
        daemon,
        `client.connect_container_to_network("two", "net1", ipv4_address="${base}.2")`,
      ),
      "403 Address already in use",
    );
    match(
      await dockerPy(daemon, 'client.connect_container_to_network("two", "host")'),
      /^400 cannot connect container to host network/,
    );
    match(
      await dockerPy(daemon, 'client.connect_container_to_network("nosuch", "net1")'),
      /^404 No such container: nosuch/,
    );
    match(
      await dockerPy(daemon, 'client.connect_container_to_network("two", "nosuch")'),
      /^404 network nosuch not found/,
    );
    // At create, a network named in EndpointsConfig must exist too.
    match(
      await dockerPy(
        daemon,
        'client.create_container("busybox", "true", networking_config={"EndpointsConfig": {"net1": {}, "ghost": {}}})',
      ),
      /^404 network ghost not found/,
    );
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "alone",
      "--network",
      "none",
      "busybox",
      "sleep",
      "300",
    ]);
    match(
      await dockerPy(daemon, 'client.connect_container_to_network("alone", "net1")'),
      /^400 container cannot be connected to multiple networks with one of the networks in private \(none\) mode/,
    );
    // Nothing half-made: two has its one interface, net1 its one member.
    deepStrictEqual(await addresses(daemon, "two"), before);
    deepStrictEqual(
      (await daemon.ok(["network", "inspect", "-f", "{{len .Containers}}", "net1"])).trim(),
      "1",
    );
    const bridge = `br-${
      (await daemon.ok(["network", "inspect", "-f", "{{.Id}}", "net1"])).slice(0, 12)
    }`;
    const veths = await runCommand("bash", ["-c", `ip -o link show master ${bridge}`]);
    deepStrictEqual(veths.stdout.trim().split("\n").length, 1, veths.stdout);

    // --mac-address: at create, and per network at connect; not with host or none.
    const mac = await docker([
      "run",
      "--rm",
      "--mac-address",
      "02:11:22:33:44:55",
      "busybox",
      "cat",
      "/sys/class/net/eth0/address",
    ]);
    deepStrictEqual([mac.code, mac.stdout], [0, "02:11:22:33:44:55\n"], mac.stderr);
    const hostMac = await docker([
      "run",
      "--rm",
      "--network",
      "host",
      "--mac-address",
      "02:11:22:33:44:55",
      "busybox",
      "true",
    ]);
    deepStrictEqual(hostMac.code, 125);
    match(hostMac.stderr, /conflicting options: mac-address and the network mode/);
    deepStrictEqual(
      await dockerPy(
        daemon,
        'client.connect_container_to_network("two", "net1", mac_address="02:aa:bb:cc:dd:ee")',
      ),
      "ok",
    );
    deepStrictEqual(
      await daemon.ok(["exec", "two", "cat", "/sys/class/net/eth1/address"]),
      "02:aa:bb:cc:dd:ee\n",
    );
    await daemon.ok(["network", "disconnect", "net1", "two"]);

    // A network removed while its container is stopped: docker allows it,
    // and the container's next start says the network is gone.
    await daemon.ok(["stop", "-t", "1", "one"]);
    await daemon.ok(["network", "rm", "net1"]);
    const start = await daemon.berth(["start", "one"]);
    deepStrictEqual(start.code, 1);
    match(start.stderr, /network net1 not found/);
    ok((await daemon.ok(["inspect", "-f", "{{.State.Status}}", "one"])).startsWith("exited"));

    await daemon.ok(["rm", "-f", "one", "two", "alone"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "legacy links: on the default bridge /etc/hosts and docker's variables, removed by rm --link; on a user-defined network a name only the linking container resolves",
  async (daemon) => {
    const docker = dockerCli(daemon);
    const child = (await daemon.ok([
      "run",
      "-d",
      "--name",
      "child",
      "-e",
      "SECRET=s3",
      "--expose",
      "80",
      "--expose",
      "53/udp",
      "busybox",
      "sleep",
      "300",
    ])).trim();
    const address = (await daemon.ok(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", child]))
      .trim();
    const linked = await docker([
      "run",
      "--name",
      "parent",
      "--link",
      "child:db",
      "busybox",
      "sh",
      "-c",
      "grep -w db /etc/hosts; env | grep ^DB_ | sort",
    ]);
    deepStrictEqual(linked.code, 0, linked.stderr);
    deepStrictEqual(
      linked.stdout,
      [
        `${address}\tdb ${child.slice(0, 12)} child`,
        "DB_ENV_SECRET=s3",
        "DB_NAME=/parent/db",
        `DB_PORT=tcp://${address}:80`,
        `DB_PORT_53_UDP=udp://${address}:53`,
        `DB_PORT_53_UDP_ADDR=${address}`,
        "DB_PORT_53_UDP_PORT=53",
        "DB_PORT_53_UDP_PROTO=udp",
        `DB_PORT_80_TCP=tcp://${address}:80`,
        `DB_PORT_80_TCP_ADDR=${address}`,
        "DB_PORT_80_TCP_PORT=80",
        "DB_PORT_80_TCP_PROTO=tcp",
        "",
      ].join("\n"),
    );
    deepStrictEqual(
      (await daemon.ok(["inspect", "-f", "{{json .HostConfig.Links}}", "parent"])).trim(),
      '["/child:/parent/db"]',
    );
    const unlink = await docker(["rm", "--link", "/parent/db"]);
    deepStrictEqual([unlink.code, unlink.stdout], [0, "/parent/db\n"], unlink.stderr);
    deepStrictEqual(
      (await daemon.ok(["inspect", "-f", "{{json .HostConfig.Links}}", "parent"])).trim(),
      "[]",
    );
    // A linked container that does not run: the start says so.
    await daemon.ok(["create", "--name", "stale", "--link", "child:db", "busybox", "true"]);
    await daemon.ok(["stop", "-t", "1", "child"]);
    const stale = await daemon.berth(["start", "stale"]);
    deepStrictEqual(stale.code, 1);
    match(stale.stderr, /Cannot link to a non running container: \/child AS \/stale\/db/);
    await daemon.ok(["start", "child"]);

    // A user-defined network: the alias is the linking container's alone.
    await daemon.ok(["network", "create", "linknet"]);
    await daemon.ok(["network", "connect", "linknet", "child"]);
    const onNet = (await daemon.ok([
      "inspect",
      "-f",
      "{{.NetworkSettings.Networks.linknet.IPAddress}}",
      "child",
    ])).trim();
    const viaLink = await docker([
      "run",
      "--rm",
      "--network",
      "linknet",
      "--link",
      "child:mydb",
      "busybox",
      "nslookup",
      "mydb",
    ]);
    match(viaLink.stdout, new RegExp(`Address: ${onNet.replaceAll(".", "\\.")}`), viaLink.stderr);
    const other = await docker([
      "run",
      "--rm",
      "--network",
      "linknet",
      "busybox",
      "nslookup",
      "mydb",
    ]);
    deepStrictEqual(other.code, 1, other.stdout);

    await daemon.ok(["rm", "-f", "child", "parent", "stale"]);
    await daemon.ok(["network", "rm", "linknet"]);
    await assertNoLeaks(daemon);
  },
);
