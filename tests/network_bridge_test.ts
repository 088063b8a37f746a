import { deepStrictEqual, match } from "node:assert/strict";
import {
  assertNoLeaks,
  eventually,
  httpBody,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";

/** busybox httpd serving `text` on port 80 of the container. */
const HTTPD = (text: string) => [
  "busybox",
  "sh",
  "-c",
  `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`,
];

/** A host port the tests publish on (random, so a leftover cannot answer for us). */
function randomPort(): number {
  return 20000 + crypto.getRandomValues(new Uint16Array(1))[0] % 10000;
}

/** The daemon's bridge address (gateway) and the first three octets of its /24. */
function bridgeOf(daemon: TestDaemon) {
  const gateway = daemon.bridge!.bip.split("/")[0];
  return { gateway, prefix: gateway.split(".").slice(0, 3).join(".") };
}

integrationTest(
  "the bridge network: an address of the daemon's subnet, the gateway and other containers reachable, published ports answering on the host; port, ps and inspect show them; removal takes it all down",
  async (daemon) => {
    const { gateway, prefix } = bridgeOf(daemon);
    const port = randomPort();
    const web =
      (await daemon.ok(["run", "-d", "--name", "web", "-p", `${port}:80`, ...HTTPD("hi")]))
        .trim();
    const [address, gatewaySeen, mac, mode] = (await daemon.ok([
      "inspect",
      "-f",
      "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}} {{.HostConfig.NetworkMode}}",
      web,
    ])).trim().split(" ");
    match(address, new RegExp(`^${prefix.replaceAll(".", "\\.")}\\.\\d+$`));
    deepStrictEqual([gatewaySeen, mode], [gateway, "bridge"]);
    deepStrictEqual(
      mac,
      "02:42:" + address.split(".").map((byte) => Number(byte).toString(16).padStart(2, "0"))
        .join(":"),
    );

    // Published: on 127.0.0.1, and from another container by address.
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`), "hi\n");
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "busybox", "wget", "-qO-", `http://${address}/`]),
      "hi\n",
    );
    // From a container through the host's side of the bridge, and from the
    // container itself that way (hairpin).
    const viaHost = ["wget", "-qO-", `http://${gateway}:${port}/`];
    deepStrictEqual(await daemon.ok(["run", "--rm", "busybox", ...viaHost]), "hi\n");
    deepStrictEqual(await daemon.ok(["exec", web, ...viaHost]), "hi\n");
    // The container's own view: eth0 with its address, the default route,
    // its name in /etc/hosts, host-gateway as the bridge's address.
    const inside = await daemon.ok([
      "run",
      "--rm",
      "--hostname",
      "probe",
      "--add-host",
      "gw:host-gateway",
      "busybox",
      "sh",
      "-c",
      `ip -o -4 addr show eth0; ip route; grep -E 'probe|gw' /etc/hosts; ping -c1 -W2 ${gateway} >/dev/null && echo pong`,
    ]);
    match(inside, new RegExp(`eth0\\s+inet ${prefix.replaceAll(".", "\\.")}\\.\\d+/24 `));
    match(inside, new RegExp(`^default via ${gateway.replaceAll(".", "\\.")} dev eth0`, "m"));
    match(inside, new RegExp(`^${prefix.replaceAll(".", "\\.")}\\.\\d+\\tprobe$`, "m"));
    match(inside, new RegExp(`^${gateway.replaceAll(".", "\\.")}\\tgw$`, "m"));
    match(inside, /^pong$/m);

    // Its traffic counts in stats (eth0 of its namespace).
    match(
      await daemon.ok(["stats", "--no-stream", "--format", "{{.NetIO}}", "web"]),
      /^[1-9][\d.]*[kMG]?B \/ [1-9][\d.]*[kMG]?B\n$/,
    );
    deepStrictEqual(await daemon.ok(["port", "web"]), `80/tcp -> 0.0.0.0:${port}\n`);
    deepStrictEqual(await daemon.ok(["port", "web", "80"]), `0.0.0.0:${port}\n`);
    const noPort = await daemon.berth(["port", "web", "81/tcp"]);
    deepStrictEqual(noPort.code, 1);
    match(noPort.stderr, /No public port '81\/tcp' published for web/);
    deepStrictEqual(
      await daemon.ok(["ps", "--format", "{{.Names}} {{.Ports}}"]),
      `web 0.0.0.0:${port}->80/tcp\n`,
    );

    // The port is taken: a second container cannot have it, and holds nothing.
    const clash = await daemon.berth([
      "run",
      "-d",
      "--name",
      "clash",
      "-p",
      `${port}:80`,
      ...HTTPD("no"),
    ]);
    deepStrictEqual(clash.code, 125, clash.stderr);
    match(
      clash.stderr,
      new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`),
    );
    await daemon.ok(["rm", "clash"]);

    // -P publishes the exposed ports on ports the daemon picks.
    const all = (await daemon.ok(["run", "-d", "-P", "--expose", "80", ...HTTPD("all")])).trim();
    const picked = (await daemon.ok(["port", all, "80/tcp"])).trim();
    match(picked, /^0\.0\.0\.0:\d+$/);
    deepStrictEqual(await httpBody(`http://127.0.0.1:${picked.split(":")[1]}/`), "all\n");

    // Network namespaces, veths and DNAT rules go with the containers.
    await daemon.ok(["rm", "-f", web, all]);
    await assertNoLeaks(daemon);
    const gone = await fetch(`http://127.0.0.1:${port}/`).then(() => "answered", () => "refused");
    deepStrictEqual(gone, "refused");
  },
);

integrationTest(
  "a published port keeps answering while the daemon is killed; the restarted daemon still holds it, and removing the container frees it; a bridge deleted under the daemon comes back",
  async (daemon) => {
    const port = randomPort();
    const web = (await daemon.ok(["run", "-d", "-p", `${port}:80`, ...HTTPD("alive")])).trim();
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`), "alive\n");
    await daemon.kill9();
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`), "alive\n");
    // What a daemon killed while it took a removed container's network down
    // leaves: a namespace and a veth on the bridge, of no container. Swept
    // at start.
    const orphan = "0123456789ab";
    const made = await runCommand("bash", [
      "-c",
      `ip netns add berth-${orphan} && ip link add vb${orphan} type veth peer name eth0 netns berth-${orphan} && ip link set vb${orphan} master ${
        daemon.bridge!.name
      }`,
    ]);
    deepStrictEqual(made.code, 0, made.stderr);
    await daemon.startProcess();
    await eventually(
      async () => {
        const left = await runCommand("bash", [
          "-c",
          `ip link show vb${orphan} 2>/dev/null; ls /run/netns | grep ${orphan}`,
        ]);
        return left.stdout === "";
      },
      10_000,
      "the orphaned endpoint swept",
    );
    deepStrictEqual(await daemon.ok(["port", web]), `80/tcp -> 0.0.0.0:${port}\n`);
    const clash = await daemon.berth(["run", "--rm", "-p", `${port}:80`, "busybox", "true"]);
    deepStrictEqual(clash.code, 125, clash.stderr);
    match(clash.stderr, /port is already allocated/);
    // A new container gets another address than the one still in use.
    const address = (await daemon.ok(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", web]))
      .trim();
    const other = await daemon.ok([
      "run",
      "--rm",
      "busybox",
      "sh",
      "-c",
      "ip -o -4 addr show eth0",
    ]);
    deepStrictEqual(other.includes(` ${address}/`), false, other);
    await daemon.ok(["rm", "-f", web]);
    // Freed: the port can be published again.
    const again = (await daemon.ok(["run", "-d", "-p", `${port}:80`, ...HTTPD("again")])).trim();
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`), "again\n");
    await daemon.ok(["rm", "-f", again]);
    // The bridge taken away under the daemon: the next start sets it up again.
    const deleted = await runCommand("bash", ["-c", `ip link del ${daemon.bridge!.name}`]);
    deepStrictEqual(deleted.code, 0, deleted.stderr);
    const { gateway } = bridgeOf(daemon);
    match(
      await daemon.ok(["run", "--rm", "busybox", "ping", "-c1", "-W2", gateway]),
      / 0% packet loss/,
    );
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "the docker CLI and docker-py publish ports on the bridge: docker run -p, docker port, docker network inspect bridge, container.ports",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = (args: string[]) => runCommand("docker", args, { env });
    const port = randomPort();
    const run = await docker([
      "run",
      "-d",
      "--name",
      "web",
      "-p",
      `127.0.0.1:${port}:80`,
      ...HTTPD("docker"),
    ]);
    deepStrictEqual(run.code, 0, run.stderr);
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`), "docker\n");
    const portOut = await docker(["port", "web"]);
    deepStrictEqual(portOut.stdout, `80/tcp -> 127.0.0.1:${port}\n`, portOut.stderr);
    const network = await docker([
      "network",
      "inspect",
      "-f",
      "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{range .Containers}}{{.Name}}{{end}}",
      "bridge",
    ]);
    const { gateway, prefix } = bridgeOf(daemon);
    deepStrictEqual(network.stdout, `${prefix}.0/24 ${gateway} web\n`, network.stderr);
    const pyPort = randomPort();
    const python = await runCommand("python3", [
      "-c",
      `import docker
client = docker.DockerClient(base_url="${daemon.host}")
c = client.containers.run("busybox", ${
        JSON.stringify(HTTPD("py").slice(1))
      }, detach=True, ports={"80/tcp": ${pyPort}})
c.reload()
print(c.ports, c.attrs["NetworkSettings"]["Networks"]["bridge"]["Gateway"])
c.remove(force=True)`,
    ]);
    deepStrictEqual(
      python.stdout,
      `{'80/tcp': [{'HostIp': '0.0.0.0', 'HostPort': '${pyPort}'}]} ${gateway}\n`,
      python.stderr,
    );
    deepStrictEqual((await docker(["rm", "-f", "web"])).code, 0);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "with --bridge none containers default to no network: no bridge listed, ports refused with a clear message",
  async (daemon) => {
    deepStrictEqual(await daemon.ok(["run", "--rm", "busybox", "ls", "/sys/class/net"]), "lo\n");
    deepStrictEqual(
      await daemon.ok(["network", "ls", "--format", "{{.Name}}"]),
      "host\nnone\n",
    );
    const published = await daemon.berth(["run", "--rm", "-p", "8080:80", "busybox", "true"]);
    deepStrictEqual(published.code, 125);
    match(
      published.stderr,
      /publishing ports needs the bridge network, and this container's network is none/,
    );
    const bridge = await daemon.berth(["run", "--rm", "--network", "bridge", "busybox", "true"]);
    deepStrictEqual(bridge.code, 125);
    match(bridge.stderr, /network bridge not found/);
    deepStrictEqual(await daemon.ok(["ps", "-a", "-q"]), "");
    await assertNoLeaks(daemon);
  },
  { daemonFlags: ["--bridge", "none"] },
);
