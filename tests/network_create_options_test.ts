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
