import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest(
  "network create as docker reports it: options as given, scope, attachable, ip-range and aux addresses; the bridge options do what docker's do; wrong-typed labels refused",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = (args: string[]) => runCommand("docker", args, { env });
    const [high, low] = crypto.getRandomValues(new Uint8Array(2));
    const base = `10.${150 + high % 40}.${low % 250}`;
    const bridge = `bt${crypto.randomUUID().slice(0, 8)}`;
    const created = await docker([
      "network",
      "create",
      "--subnet",
      `${base}.0/24`,
      "--ip-range",
      `${base}.128/25`,
      "--aux-address",
      `router=${base}.128`,
      "--attachable",
      "-o",
      `com.docker.network.bridge.name=${bridge}`,
      "-o",
      "com.docker.network.bridge.enable_icc=false",
      "-o",
      "com.docker.network.driver.mtu=1400",
      "-o",
      "com.docker.network.bridge.host_binding_ipv4=127.0.0.1",
      "tuned",
    ]);
    deepStrictEqual(created.code, 0, created.stderr);
    const network = JSON.parse(
      await daemon.ok(["network", "inspect", "-f", "{{json .}}", "tuned"]),
    );
    deepStrictEqual(network.Options, {
      "com.docker.network.bridge.name": bridge,
      "com.docker.network.bridge.enable_icc": "false",
      "com.docker.network.driver.mtu": "1400",
      "com.docker.network.bridge.host_binding_ipv4": "127.0.0.1",
    });
    deepStrictEqual([network.Scope, network.Attachable, network.Ingress], ["local", true, false]);
    deepStrictEqual(network.IPAM.Config, [{
      Subnet: `${base}.0/24`,
      Gateway: `${base}.1`,
      IPRange: `${base}.128/25`,
      AuxiliaryAddresses: { router: `${base}.128` },
    }]);
    // A plain network's Options are empty: what it was given.
    await daemon.ok(["network", "create", "plain"]);
    deepStrictEqual(
      (await daemon.ok(["network", "inspect", "-f", "{{json .Options}}", "plain"])).trim(),
      "{}",
    );

    // Addresses from the range, past the aux address; the MTU inside; the bridge's name.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "aa",
      "--network",
      "tuned",
      "-p",
      "80",
      "busybox",
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/",
    ]);
    await daemon.ok(["run", "-d", "--name", "bb", "--network", "tuned", "busybox", "sleep", "300"]);
    const inside = await daemon.ok(["exec", "aa", "ip", "-o", "-4", "addr", "show", "eth0"]);
    match(inside, new RegExp(`inet ${base.replaceAll(".", "\\.")}\\.129/24`));
    deepStrictEqual(await daemon.ok(["exec", "aa", "cat", "/sys/class/net/eth0/mtu"]), "1400\n");
    const link = await runCommand("bash", ["-c", `ip -o link show ${bridge}`]);
    match(link.stdout, /mtu 1400/);
    // enable_icc=false: aa and bb do not reach each other.
    const ping = await daemon.berth(["exec", "bb", "ping", "-c1", "-W1", `${base}.129`]);
    deepStrictEqual(ping.code, 1, ping.stdout);
    // host_binding_ipv4: a port published without an address is on 127.0.0.1.
    match(await daemon.ok(["port", "aa", "80"]), /^127\.0\.0\.1:\d+\n$/);

    // docker-py: labels must be strings.
    const labels = await runCommand("python3", [
      "-c",
      `import docker
client = docker.APIClient(base_url="${daemon.host}")
try:
    client.create_network("typed", labels={"n": 1})
except docker.errors.APIError as error:
    print(error.status_code, error.explanation)`,
    ]);
    deepStrictEqual(labels.stdout, "400 Labels must map names to strings\n", labels.stderr);

    await daemon.ok(["rm", "-f", "aa", "bb"]);
    await daemon.ok(["network", "rm", "tuned", "plain"]);
    deepStrictEqual((await runCommand("bash", ["-c", `ip link show ${bridge} 2>&1`])).code, 1);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "IPv6 networks: --ipv6 with a v6 subnet gives containers v6 addresses (--ip6 too), a v6 default route, AAAA names, forwarding and masquerading; inspect shows them; nothing left after",
  async (daemon) => {
    const docker = (args: string[]) =>
      runCommand("docker", args, {
        env: { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` },
      });
    // Four hex digits, no leading zero: the shortest form keeps them all.
    const hex = (0x1000 + crypto.getRandomValues(new Uint16Array(1))[0] % 0xf000).toString(16);
    const subnet = `fd00:${hex}:7::/64`;
    const made = await docker(["network", "create", "--ipv6", "--subnet", subnet, "six"]);
    deepStrictEqual(made.code, 0, made.stderr);
    const network = JSON.parse(await daemon.ok(["network", "inspect", "-f", "{{json .}}", "six"]));
    deepStrictEqual(network.EnableIPv6, true);
    deepStrictEqual(network.IPAM.Config[1], { Subnet: subnet, Gateway: `fd00:${hex}:7::1` });

    await daemon.ok([
      "run",
      "-d",
      "--name",
      "server",
      "--network",
      "six",
      "busybox",
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/",
    ]);
    const given = await docker([
      "run",
      "-d",
      "--name",
      "client",
      "--network",
      "six",
      "--ip6",
      `fd00:${hex}:7::99`,
      "busybox",
      "sleep",
      "300",
    ]);
    deepStrictEqual(given.code, 0, given.stderr);
    match(
      await daemon.ok(["exec", "client", "ip", "-6", "-o", "addr", "show", "eth0"]),
      new RegExp(`inet6 fd00:${hex}:7::99/64 scope global`),
    );
    match(
      await daemon.ok(["exec", "client", "ip", "-6", "route"]),
      new RegExp(`default via fd00:${hex}:7::1 dev eth0`),
    );
    match(
      await daemon.ok(["exec", "client", "nslookup", "-type=AAAA", "server"]),
      new RegExp(`Address: fd00:${hex}:7::2`),
    );
    // httpd answers over IPv6 (a 404: it serves / with no index).
    const http = await daemon.berth([
      "exec",
      "client",
      "wget",
      "-qO-",
      `http://[fd00:${hex}:7::2]/`,
    ]);
    match(http.stderr, /404 Not Found/);
    const settings = JSON.parse(
      await daemon.ok(["inspect", "-f", "{{json .NetworkSettings.Networks.six}}", "client"]),
    );
    deepStrictEqual(
      [settings.GlobalIPv6Address, settings.GlobalIPv6PrefixLen, settings.IPv6Gateway],
      [`fd00:${hex}:7::99`, 64, `fd00:${hex}:7::1`],
    );
    deepStrictEqual(settings.IPAMConfig, { IPv6Address: `fd00:${hex}:7::99` });
    const members = JSON.parse(
      await daemon.ok(["network", "inspect", "-f", "{{json .Containers}}", "six"]),
    );
    deepStrictEqual(
      Object.values(members).map((member) => (member as { IPv6Address: string }).IPv6Address)
        .sort(),
      [`fd00:${hex}:7::2/64`, `fd00:${hex}:7::99/64`],
    );
    // Forwarding and masquerading out of the network, as docker's ip6tables rules.
    const bridge = `br-${network.Id.slice(0, 12)}`;
    const rules = await runCommand("bash", [
      "-c",
      `ip6tables -S FORWARD; ip6tables -t nat -S POSTROUTING`,
    ]);
    match(rules.stdout, new RegExp(`-A FORWARD -i ${bridge} -j ACCEPT`));
    match(
      rules.stdout,
      new RegExp(`-A POSTROUTING -s ${subnet.replace("/", "\\/")} ! -o ${bridge} -j MASQUERADE`),
    );

    // Refused: an address outside the subnet, a v6 address on a network without IPv6.
    const outside = await docker([
      "run",
      "--rm",
      "--network",
      "six",
      "--ip6",
      "fd99::5",
      "busybox",
      "true",
    ]);
    deepStrictEqual(outside.code, 125);
    match(outside.stderr, /does not belong to any of this network's subnets/);
    await daemon.ok(["network", "create", "four"]);
    const noV6 = await docker([
      "run",
      "--rm",
      "--network",
      "four",
      "--ip6",
      "fd00::5",
      "busybox",
      "true",
    ]);
    deepStrictEqual(noV6.code, 125);
    match(noV6.stderr, /supported only on networks with IPv6/);

    await daemon.ok(["rm", "-f", "server", "client"]);
    await daemon.ok(["network", "rm", "six", "four"]);
    const left = await runCommand("bash", ["-c", `ip6tables-save | grep -c ${bridge} || true`]);
    deepStrictEqual(left.stdout.trim(), "0");
    await assertNoLeaks(daemon);
  },
);
