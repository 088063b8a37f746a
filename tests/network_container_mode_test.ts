import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest(
  "--network container:ID joins that container's network namespace (loopback, address, hostname, /etc/hosts), with berth and the docker CLI; what it cannot have is refused",
  async (daemon) => {
    const web = (await daemon.ok([
      "run",
      "-d",
      "--name",
      "web",
      "--hostname",
      "webhost",
      "busybox",
      "sh",
      "-c",
      "mkdir -p /www && echo shared > /www/index.html && exec httpd -f -p 80 -h /www",
    ])).trim();
    const address = (await daemon.ok(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", web]))
      .trim();
    const script =
      "hostname; wget -qO- http://127.0.0.1/; ip -o -4 addr show eth0 | awk '{ print $4 }'; " +
      "grep -c webhost /etc/hosts";
    const expected = `webhost\nshared\n${address}/24\n1\n`;
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "--network", "container:web", "busybox", "sh", "-c", script]),
      expected,
    );
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = await runCommand("docker", [
      "run",
      "--rm",
      "--network",
      `container:${web.slice(0, 12)}`,
      "busybox",
      "sh",
      "-c",
      script,
    ], { env });
    deepStrictEqual(docker.stdout, expected, docker.stderr);
    // Kept by id: a rename of the target changes nothing.
    const joiner = (await daemon.ok(["create", "--network", "container:web", "busybox", "true"]))
      .trim();
    deepStrictEqual(
      (await daemon.ok([
        "inspect",
        "-f",
        "{{.HostConfig.NetworkMode}} {{len .NetworkSettings.Networks}}",
        joiner,
      ]))
        .trim(),
      `container:${web} 0`,
    );
    for (
      const [flags, message] of [
        [["-p", "8080:80"], /port publishing and the container type network mode/],
        [["--dns", "1.1.1.1"], /conflicting options: dns and the network mode/],
        [["--add-host", "a:10.0.0.1"], /custom host-to-IP mapping and the network mode/],
        [["--hostname", "other"], /conflicting options: hostname and the network mode/],
      ] as [string[], RegExp][]
    ) {
      const result = await daemon.berth([
        "run",
        "--rm",
        "--network",
        "container:web",
        ...flags,
        "busybox",
        "true",
      ]);
      deepStrictEqual(result.code, 125, `${flags.join(" ")}: ${result.stderr}`);
      match(result.stderr, message);
    }
    const missing = await daemon.berth([
      "run",
      "--rm",
      "--network",
      "container:nosuch",
      "busybox",
      "true",
    ]);
    deepStrictEqual(missing.code, 125);
    match(missing.stderr, /No such container: nosuch/);
    // A stopped target: the start is refused, and nothing is left of the try.
    await daemon.ok(["stop", "-t", "1", web]);
    const stopped = await daemon.berth(["start", joiner]);
    deepStrictEqual(stopped.code, 1);
    match(stopped.stderr, /cannot join network of a non running container/);
    await daemon.ok(["rm", "-f", joiner, web]);
    deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");
    await assertNoLeaks(daemon);
  },
);
