import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest(
  "stats reads the container's cgroup: CPU of a busy loop, the memory limit, pids; berth, the docker CLI and docker-py",
  async (daemon) => {
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "busy",
      "-m",
      "64m",
      "busybox",
      "sh",
      "-c",
      "while :; do :; done",
    ]);
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "idle",
      "busybox",
      "sh",
      "-c",
      "sleep 100 & sleep 100 & wait",
    ]);
    await daemon.ok(["create", "--name", "stopped", "busybox"]);
    const line = (await daemon.ok([
      "stats",
      "--no-stream",
      "--format",
      "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}",
      "busy",
      "idle",
      "stopped",
    ])).trim().split("\n");
    const busy = /^busy ([\d.]+)% [\d.]+[KM]iB \/ 64MiB 1$/.exec(line[0]);
    ok(busy, line[0]);
    ok(Number(busy[1]) > 10, `a busy loop at ${busy[1]}% CPU`);
    match(line[1], /^idle [\d.]+% [\d.]+[KM]iB \/ [\d.]+GiB 3$/);
    deepStrictEqual(line[2], "stopped 0.00% 0B / 0B 0");
    // The table lists the running containers by default.
    const table = (await daemon.ok(["stats", "--no-stream"])).trim().split("\n");
    match(
      table[0],
      /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/,
    );
    deepStrictEqual(table.slice(1).map((row) => row.split(/\s+/)[1]).sort(), ["busy", "idle"]);

    const docker = await runCommand("docker", [
      "stats",
      "--no-stream",
      "--format",
      "{{.Name}} {{.MemUsage}} {{.PIDs}}",
      "busy",
    ], { env: { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` } });
    deepStrictEqual(docker.code, 0, docker.stderr);
    match(docker.stdout, /^busy [\d.]+[KM]iB \/ 64MiB 1\n$/);
    const python = await runCommand("python3", [
      "-c",
      `import docker
stats = docker.DockerClient(base_url="${daemon.host}").containers.get("busy").stats(stream=False)
print(stats["memory_stats"]["limit"], stats["cpu_stats"]["cpu_usage"]["total_usage"] > stats["precpu_stats"]["cpu_usage"]["total_usage"] > 0)`,
    ]);
    deepStrictEqual(python.stdout, `${64 * 1024 * 1024} True\n`, python.stderr);

    await daemon.ok(["rm", "-f", "busy", "idle", "stopped"]);
    await assertNoLeaks(daemon);
  },
);
