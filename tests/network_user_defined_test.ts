import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, eventually, integrationTest, runCommand } from "./helpers/harness.ts";

/** `run --rm --network NETWORK busybox sh -c SCRIPT`. */
function onNetwork(network: string, script: string): string[] {
  return ["run", "--rm", "--network", network, "busybox", "sh", "-c", script];
}

/** A script printing "NAME ADDRESS" for each name it resolves (busybox nslookup). */
function lookupScript(names: string[]): string {
  return names.map((name) =>
    `nslookup ${name} | awk '/^Name:/ { found = 1 } found && /^Address/ { print "${name}", $2; exit }'`
  ).join("; ");
}

integrationTest(
  "user-defined networks: containers resolve each other by name, alias and NAME.NETWORK through the network's name server, again after a daemon restart; networks are kept apart; rm waits for the last running container",
  async (daemon) => {
    const id = (await daemon.ok(["network", "create", "--label", "team=a", "appnet"])).trim();
    match(id, /^[0-9a-f]{64}$/);
    const subnet = (await daemon.ok([
      "network",
      "inspect",
      "-f",
      "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}}",
      "appnet",
    ])).trim();
    match(subnet, /^\d+\.\d+\.\d+\.0\/24 \d+\.\d+\.\d+\.1 a$/);
    const gateway = subnet.split(" ")[1];
    const db = (await daemon.ok([
      "run",
      "-d",
      "--name",
      "db",
      "--network",
      "appnet",
      "--network-alias",
      "database",
      "busybox",
      "sleep",
      "300",
    ])).trim();
    const dbAddress = (await daemon.ok([
      "inspect",
      "-f",
      "{{.NetworkSettings.Networks.appnet.IPAddress}} {{.NetworkSettings.Networks.appnet.Aliases}} {{.HostConfig.NetworkMode}}",
      db,
    ])).trim();
    match(
      dbAddress,
      new RegExp(
        `^${gateway.replace(/\.1$/, "").replaceAll(".", "\\.")}\\.\\d+ \\[database ${
          db.slice(0, 12)
        }\\] appnet$`,
      ),
    );
    const address = dbAddress.split(" ")[0];
    const startedAt = (await daemon.ok(["inspect", "-f", "{{.State.StartedAt}}", db])).trim();

    const seen = await daemon.ok(onNetwork(
      "appnet",
      `grep nameserver /etc/resolv.conf; ${
        lookupScript(["db", "database", "db.appnet", db.slice(0, 12)])
      }; ping -c1 -W2 db >/dev/null && echo reached`,
    ));
    deepStrictEqual(
      seen,
      `nameserver ${gateway}\n` +
        [
          `db ${address}`,
          `database ${address}`,
          `db.appnet ${address}`,
          `${db.slice(0, 12)} ${address}`,
        ]
          .join("\n") +
        "\nreached\n",
    );

    // Apart: from the default bridge and from another network, db is out of reach.
    await daemon.ok(["network", "create", "othernet"]);
    for (const network of ["bridge", "othernet"]) {
      const ping = await daemon.berth([
        "run",
        "--rm",
        "--network",
        network,
        "busybox",
        "ping",
        "-c1",
        "-W1",
        address,
      ]);
      deepStrictEqual(ping.code, 1, `${network}: ${ping.stdout}`);
    }
    // And db is not a name there.
    const unknown = await daemon.berth(onNetwork("othernet", lookupScript(["db"])));
    deepStrictEqual(unknown.stdout, "");

    // A restarted daemon serves the names again (db never noticed).
    await daemon.kill9();
    await daemon.startProcess();
    await eventually(
      async () => {
        const again = await daemon.berth(onNetwork("appnet", lookupScript(["db"])));
        return again.stdout === `db ${address}\n`;
      },
      10_000,
      "db resolved after the daemon's restart",
    );
    deepStrictEqual(
      (await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.StartedAt}}", db])).trim(),
      `running ${startedAt}`,
    );

    // In use: refused; once db is gone, rm and prune take the networks away.
    const busy = await daemon.berth(["network", "rm", "appnet"]);
    deepStrictEqual(busy.code, 1);
    match(busy.stderr, /network appnet id [0-9a-f]{64} has active endpoints/);
    await daemon.ok(["rm", "-f", db]);
    deepStrictEqual(await daemon.ok(["network", "rm", "appnet"]), "appnet\n");
    deepStrictEqual(await daemon.ok(["network", "prune", "-f"]), "Deleted Networks:\nothernet\n\n");
    deepStrictEqual(
      await daemon.ok(["network", "ls", "--format", "{{.Name}}"]),
      "bridge\nhost\nnone\n",
    );
    const bridges = await runCommand("bash", [
      "-c",
      `ip -o link show | grep -c "br-${id.slice(0, 12)}" || true`,
    ]);
    deepStrictEqual(bridges.stdout.trim(), "0");
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "network create checks its input as docker does: a name in use, an overlapping or malformed subnet, other drivers, ingress, a bad range, aux address, MTU or bridge name; --ip gives that address once",
  async (daemon) => {
    await daemon.ok([
      "network",
      "create",
      "--subnet",
      "10.199.7.0/24",
      "--gateway",
      "10.199.7.254",
      "given",
    ]);
    deepStrictEqual(
      (await daemon.ok([
        "network",
        "inspect",
        "-f",
        "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}",
        "given",
      ])).trim(),
      "10.199.7.0/24 10.199.7.254",
    );
    for (
      const [args, code, message] of [
        [["given"], 1, /network with name given already exists/],
        [["bridge"], 1, /network with name bridge already exists/],
        [
          ["--subnet", "10.199.7.128/25", "inner"],
          1,
          /Pool overlaps with other one on this address space/,
        ],
        [["--subnet", "10.199.8.1/24", "hostbits"], 1, /has host bits set/],
        [
          ["--subnet", "10.199.9.0/24", "--gateway", "10.199.10.1", "outside"],
          1,
          /invalid gateway/,
        ],
        [["--driver", "overlay", "over"], 1, /This node is not a swarm manager/],
        [["--driver", "host", "h2"], 1, /only one instance of "host" network is allowed/],
        [["--driver", "macvlan2", "m"], 1, /plugin "macvlan2" not found/],
        [["--ingress", "ing"], 1, /Ingress network can only be global scope network/],
        [["--ip-range", "10.1.0.0/24", "--subnet", "10.199.11.0/24", "r"], 1, /not in the subnet/],
        [["--aux-address", "a=10.1.0.9", "--subnet", "10.199.12.0/24", "x"], 1, /auxiliary/],
        [["-o", "com.docker.network.driver.mtu=9", "mtu"], 1, /invalid MTU 9/],
        [["-o", "com.docker.network.bridge.name=lo", "lo"], 1, /is in use by another network/],
        [["bad/name"], 1, /invalid network name/],
      ] as [string[], number, RegExp][]
    ) {
      const result = await daemon.berth(["network", "create", ...args]);
      deepStrictEqual(result.code, code, `${args.join(" ")}: ${result.stderr}`);
      match(result.stderr, message);
    }
    // --ip: that address, once.
    const fixed = (await daemon.ok([
      "run",
      "-d",
      "--network",
      "given",
      "--ip",
      "10.199.7.50",
      "busybox",
      "sleep",
      "300",
    ])).trim();
    deepStrictEqual(
      (await daemon.ok([
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.given.IPAddress}} {{.NetworkSettings.Networks.given.IPAMConfig.IPv4Address}}",
        fixed,
      ])).trim(),
      "10.199.7.50 10.199.7.50",
    );
    for (
      const [args, message] of [
        [["--network", "given", "--ip", "10.199.7.50"], /Address already in use/],
        [
          ["--network", "given", "--ip", "10.199.8.5"],
          /does not belong to any of this network's subnets/,
        ],
        [
          ["--ip", "10.87.0.9"],
          /user specified IP address is supported on user defined networks only/,
        ],
      ] as [string[], RegExp][]
    ) {
      const result = await daemon.berth(["run", "--rm", ...args, "busybox", "true"]);
      deepStrictEqual(result.code, 125, `${args.join(" ")}: ${result.stderr}`);
      match(result.stderr, message);
    }
    await daemon.ok(["rm", "-f", fixed]);
    const connect = await daemon.berth(["network", "connect", "given", "x"]);
    deepStrictEqual(connect.code, 1);
    match(connect.stderr, /No such container: x/);
    const missing = await daemon.berth(["run", "--rm", "--network", "nosuch", "busybox", "true"]);
    deepStrictEqual(missing.code, 125);
    match(missing.stderr, /network nosuch not found/);
    deepStrictEqual(
      await daemon.ok(["network", "ls", "-q", "--filter", "type=custom"]).then((out) =>
        out.split("\n").filter(Boolean).length
      ),
      1,
    );
    await daemon.ok(["network", "rm", "given"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "an --internal network: its containers reach each other by name and nothing else (no default route, no way through the host); ports are refused",
  async (daemon) => {
    await daemon.ok(["network", "create", "--internal", "closed"]);
    deepStrictEqual(
      (await daemon.ok(["network", "inspect", "-f", "{{.Internal}}", "closed"])).trim(),
      "true",
    );
    const peer = (await daemon.ok([
      "run",
      "-d",
      "--name",
      "peer",
      "--network",
      "closed",
      "busybox",
      "sleep",
      "300",
    ])).trim();
    const defaultGateway = daemon.bridge!.bip.split("/")[0];
    const seen = await daemon.ok(onNetwork(
      "closed",
      `ip route | grep -c default; ping -c1 -W2 peer >/dev/null && echo reached; ` +
        `ping -c1 -W1 ${defaultGateway} >/dev/null 2>&1 || echo cut off`,
    ));
    deepStrictEqual(seen, "0\nreached\ncut off\n");
    const published = await daemon.berth([
      "run",
      "--rm",
      "--network",
      "closed",
      "-p",
      "8080:80",
      "busybox",
      "true",
    ]);
    deepStrictEqual(published.code, 125);
    match(published.stderr, /ports cannot be published on the internal network closed/);
    await daemon.ok(["rm", "-f", peer]);
    await daemon.ok(["network", "rm", "closed"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "the docker CLI and docker-py make user-defined networks: docker network create, docker run --network --network-alias, networks.create, network.remove",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = (args: string[]) => runCommand("docker", args, { env });
    const created = await docker(["network", "create", "dnet"]);
    deepStrictEqual(created.code, 0, created.stderr);
    const web = await docker([
      "run",
      "-d",
      "--name",
      "web",
      "--network",
      "dnet",
      "--network-alias",
      "site",
      "busybox",
      "sleep",
      "300",
    ]);
    deepStrictEqual(web.code, 0, web.stderr);
    const address =
      (await docker(["inspect", "-f", "{{.NetworkSettings.Networks.dnet.IPAddress}}", "web"]))
        .stdout.trim();
    const lookup = await docker(onNetwork("dnet", lookupScript(["web", "site"])));
    deepStrictEqual(lookup.stdout, `web ${address}\nsite ${address}\n`, lookup.stderr);
    const python = await runCommand("python3", [
      "-c",
      `import docker
client = docker.DockerClient(base_url="${daemon.host}")
net = client.networks.create("pynet", labels={"made": "py"})
c = client.containers.run("busybox", ["sleep", "300"], detach=True, network="pynet", name="pyc")
net.reload()
print(net.name, net.attrs["Labels"], [x.name for x in net.containers])
c.remove(force=True)
net.remove()
print(sorted(n.name for n in client.networks.list()))`,
    ]);
    deepStrictEqual(
      python.stdout,
      "pynet {'made': 'py'} ['pyc']\n['bridge', 'dnet', 'host', 'none']\n",
      python.stderr,
    );
    deepStrictEqual((await docker(["rm", "-f", "web"])).code, 0);
    const removed = await docker(["network", "rm", "dnet"]);
    deepStrictEqual(removed.code, 0, removed.stderr);
    await assertNoLeaks(daemon);
  },
);
