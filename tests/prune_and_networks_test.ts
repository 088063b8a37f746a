import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest(
  "container and system prune remove what is stopped (filters honoured), never what runs; the predefined networks list, inspect and refuse removal",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = async (args: string[]) => {
      const result = await runCommand("docker", args, { env });
      return { ...result, all: result.stdout + result.stderr };
    };
    const running = (await daemon.ok(["run", "-d", "--network", "host", "busybox", "sleep", "300"]))
      .trim();
    const kept = (await daemon.ok(["create", "--label", "keep=yes", "busybox"])).trim();
    const created = (await daemon.ok(["create", "busybox"])).trim();
    const exited = (await daemon.ok(["run", "-d", "busybox", "true"])).trim();
    await daemon.ok(["wait", exited]);

    // Everything was made within the hour: until=1h selects none of it.
    deepStrictEqual(
      await daemon.ok(["container", "prune", "-f", "--filter", "until=1h"]),
      "Total reclaimed space: 0B\n",
    );
    const pruned = await docker(["container", "prune", "-f", "--filter", "label!=keep"]);
    deepStrictEqual(pruned.code, 0, pruned.all);
    deepStrictEqual(
      pruned.stdout.split("\n").filter((line) => /^[0-9a-f]{64}$/.test(line)).sort(),
      [created, exited].sort(),
    );
    deepStrictEqual(
      (await daemon.ok(["ps", "-a", "-q", "--no-trunc"])).trim().split("\n").sort(),
      [kept, running].sort(),
    );
    const badFilter = await daemon.berth(["container", "prune", "-f", "--filter", "status=x"]);
    deepStrictEqual(badFilter.code, 1);
    match(badFilter.stderr, /invalid filter 'status'/);

    // An untagged (dangling) image goes with system prune; a tagged one stays.
    const dangling = (await daemon.ok(["commit", kept])).trim();
    match(dangling, /^sha256:[0-9a-f]{64}$/);
    const system = await docker(["system", "prune", "-f"]);
    deepStrictEqual(system.code, 0, system.all);
    match(system.stdout, new RegExp(`Deleted Containers:\n${kept}\n`));
    match(system.stdout, new RegExp(`Deleted Images:\ndeleted: ${dangling}\n`));
    match(system.stdout, /Total reclaimed space: /);
    deepStrictEqual((await daemon.ok(["ps", "-a", "-q", "--no-trunc"])).trim(), running);
    deepStrictEqual((await daemon.ok(["images", "-q"])).trim().split("\n").length, 1);

    // Networks: the three predefined ones, the host one with its container.
    const ls = await docker(["network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"]);
    deepStrictEqual(ls.stdout, "bridge bridge local\nhost host local\nnone null local\n", ls.all);
    deepStrictEqual(
      (await daemon.ok(["network", "inspect", "-f", "{{.Driver}} {{len .Containers}}", "host"]))
        .trim(),
      "host 1",
    );
    const networkId = (await daemon.ok(["network", "ls", "-q", "--no-trunc", "-f", "name=host"]))
      .trim();
    deepStrictEqual(
      (await daemon.ok(["inspect", "-f", "{{.NetworkSettings.Networks.host.NetworkID}}", running]))
        .trim(),
      networkId,
    );
    const rm = await docker(["network", "rm", "host"]);
    deepStrictEqual(rm.code, 1);
    match(rm.stderr, /host is a pre-defined network and cannot be removed/);
    const connect = await daemon.berth(["network", "connect", "host", running]);
    deepStrictEqual(connect.code, 1);
    match(connect.stderr, /endpoint with name \S+ already exists in network host/);
    const python = await runCommand("python3", [
      "-c",
      `import docker
client = docker.DockerClient(base_url="${daemon.host}")
print(sorted(n.name for n in client.networks.list()), client.containers.prune()["ContainersDeleted"])`,
    ]);
    deepStrictEqual(python.stdout, "['bridge', 'host', 'none'] None\n", python.stderr);

    await daemon.ok(["rm", "-f", running]);
    await assertNoLeaks(daemon);
  },
);
