import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

/** What the container sees of its limits (cgroup v1 files, as on our hosts). */
const READ_LIMITS = "cd /sys/fs/cgroup; cat cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us " +
  "cpu/cpu.shares cpuset/cpuset.cpus pids/pids.max memory/memory.limit_in_bytes " +
  "memory/memory.memsw.limit_in_bytes memory/memory.soft_limit_in_bytes";

const MiB = 1024 * 1024;

integrationTest(
  "resource limits reach the container's cgroups at run and through update; bad ones are refused with docker's words",
  async (daemon) => {
    const seen = await daemon.ok([
      "run",
      "--rm",
      "--cpus",
      "0.5",
      "--cpu-shares",
      "512",
      "--cpuset-cpus",
      "0",
      "--pids-limit",
      "50",
      "-m",
      "64m",
      "--memory-swap",
      "128m",
      "--memory-reservation",
      "32m",
      "busybox",
      "sh",
      "-c",
      READ_LIMITS,
    ]);
    deepStrictEqual(
      seen.trim().split("\n"),
      ["50000", "100000", "512", "0", "50", `${64 * MiB}`, `${128 * MiB}`, `${32 * MiB}`],
    );

    // A running container's limits change in place; inspect shows them.
    await daemon.ok(["run", "-d", "--name", "box", "-m", "64m", "busybox", "sleep", "300"]);
    await daemon.ok(["update", "--cpus", "1.5", "-m", "100m", "--pids-limit", "20", "box"]);
    const updated = await daemon.ok(["exec", "box", "sh", "-c", READ_LIMITS]);
    const [quota, , , , pids, memory] = updated.trim().split("\n");
    deepStrictEqual([quota, pids, memory], ["150000", "20", `${100 * MiB}`]);
    deepStrictEqual(
      (await daemon.ok([
        "inspect",
        "-f",
        "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
        "box",
      ])).trim(),
      `1500000000 ${100 * MiB} 20`,
    );
    // The docker CLI's run and update send the same fields.
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = await runCommand("docker", ["update", "--cpus", "0.25", "box"], { env });
    deepStrictEqual(docker.code, 0, docker.stderr);
    deepStrictEqual(
      (await daemon.ok(["exec", "box", "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"])).trim(),
      "25000",
    );
    const dockerRun = await runCommand("docker", [
      "run",
      "--rm",
      "--pids-limit",
      "7",
      "--cpus",
      "1",
      "busybox",
      "cat",
      "/sys/fs/cgroup/pids/pids.max",
      "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    ], { env });
    deepStrictEqual([dockerRun.code, dockerRun.stdout], [0, "7\n100000\n"], dockerRun.stderr);

    // Refused before anything is made, as docker refuses them.
    const cpus = navigator.hardwareConcurrency;
    const before = await daemon.ok(["ps", "-a", "-q"]);
    for (
      const [flags, message] of [
        [["--cpus", `${cpus + 1}`], new RegExp(`there are only ${cpus} CPUs available`)],
        [["--cpus", "0.5", "--cpu-quota", "20000"], /Nano CPUs and CPU Quota cannot both be set/],
        [["--memory-swap", "10m"], /always set the Memory limit when using Memoryswap/],
        [["-m", "64m", "--memory-swap", "32m"], /memoryswap limit should be larger than memory/],
        [["--cpuset-cpus", `0-${cpus}`], /Requested CPUs are not available - requested 0-/],
        [["--cpu-period", "10"], /CPU cfs period can not be less than 1ms/],
        [["--cpus", "abc"], /invalid argument "abc" for "--cpus" flag/],
      ] as [string[], RegExp][]
    ) {
      const result = await daemon.berth(["run", "--rm", ...flags, "busybox", "true"]);
      deepStrictEqual(result.code, 125, `${flags.join(" ")}: ${result.stderr}`);
      match(result.stderr, message);
    }
    const refused = await daemon.berth(["update", "--memory-swap", "32m", "box"]);
    deepStrictEqual(refused.code, 1, refused.stderr);
    match(refused.stderr, /memoryswap limit should be larger than memory limit/);
    deepStrictEqual(await daemon.ok(["ps", "-a", "-q"]), before);
    deepStrictEqual(
      (await daemon.ok(["exec", "box", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]))
        .trim(),
      `${100 * MiB}`,
    );

    await daemon.ok(["rm", "-f", "box"]);
    await assertNoLeaks(daemon);
  },
);
