import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

const capEff = (status: string) => /CapEff:\s*([0-9a-f]+)/.exec(status)?.[1];

integrationTest(
  "capabilities, --privileged, --read-only, no-new-privileges, devices, sysctls, DNS, hosts, shm, --init, groups and host namespaces reach the container; what berth cannot do is refused",
  async (daemon) => {
    const run = (args: string[]) => daemon.ok(["run", "--rm", ...args]);
    const hostStatus = (await runCommand("cat", ["/proc/self/status"])).stdout;
    const hostBounding = /CapBnd:\s*([0-9a-f]+)/.exec(hostStatus)![1];

    // Capabilities, as docker computes them (execs get the container's).
    deepStrictEqual(capEff(await run(["busybox", "cat", "/proc/self/status"])), "00000000a80425fb");
    deepStrictEqual(
      capEff(await run(["--cap-drop", "ALL", "busybox", "cat", "/proc/self/status"])),
      "0000000000000000",
    );
    deepStrictEqual(
      capEff(
        await run([
          "--cap-drop",
          "all",
          "--cap-add",
          "net_bind_service",
          "busybox",
          "cat",
          "/proc/self/status",
        ]),
      ),
      "0000000000000400",
    );
    const privileged = await run([
      "--privileged",
      "busybox",
      "sh",
      "-c",
      "cat /proc/self/status; ls /dev/fuse; head -1 /proc/timer_list",
    ]);
    deepStrictEqual(capEff(privileged), hostBounding);
    match(privileged, /\/dev\/fuse\nTimer List Version/);
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "dropped",
      "--cap-drop",
      "ALL",
      "busybox",
      "sleep",
      "300",
    ]);
    deepStrictEqual(
      capEff(await daemon.ok(["exec", "dropped", "cat", "/proc/self/status"])),
      "0000000000000000",
    );
    deepStrictEqual(
      capEff(await daemon.ok(["exec", "--privileged", "dropped", "cat", "/proc/self/status"])),
      hostBounding,
    );
    await daemon.ok(["rm", "-f", "dropped"]);

    // A read-only root, writable where a tmpfs is mounted; no-new-privileges.
    const readOnly = await daemon.berth([
      "run",
      "--rm",
      "--read-only",
      "--tmpfs",
      "/scratch",
      "--security-opt",
      "no-new-privileges",
      "busybox",
      "sh",
      "-c",
      "grep NoNewPrivs /proc/self/status; touch /scratch/ok && echo scratch; touch /x",
    ]);
    deepStrictEqual(readOnly.code, 1);
    deepStrictEqual(readOnly.stdout, "NoNewPrivs:\t1\nscratch\n");
    match(readOnly.stderr, /Read-only file system/);

    // Devices, sysctls, DNS, hosts, /dev/shm, groups, oom score.
    const settings = await run([
      "--device",
      "/dev/null:/dev/mynull:rw",
      "--sysctl",
      "net.ipv4.ip_forward=0",
      "--dns",
      "192.0.2.53",
      "--dns-search",
      "example.test",
      "--add-host",
      "db.test:192.0.2.10",
      "--shm-size",
      "2m",
      "--group-add",
      "daemon",
      "--group-add",
      "4242",
      "--oom-score-adj",
      "500",
      "busybox",
      "sh",
      "-c",
      "echo hi > /dev/mynull && echo device; cat /proc/sys/net/ipv4/ip_forward; " +
      "grep -v '^#' /etc/resolv.conf | grep -E 'nameserver|search'; grep db.test /etc/hosts; " +
      "df -k /dev/shm | tail -1 | awk '{print $2}'; id -G; cat /proc/self/oom_score_adj",
    ]);
    deepStrictEqual(
      settings,
      "device\n0\nnameserver 192.0.2.53\nsearch example.test\n192.0.2.10\tdb.test\n2048\n0 1 4242\n500\n",
    );

    // --init: docker-init is pid 1 and hands the exit code on.
    const init = await daemon.berth(["run", "--rm", "--init", "busybox", "sh", "-c", "ps; exit 3"]);
    deepStrictEqual(init.code, 3, init.stderr);
    match(init.stdout, /^\s*1 root\s+\/sbin\/docker-init -- sh -c/m);

    // Host PID and UTS namespaces.
    const hostPids = await run(["--pid", "host", "busybox", "sh", "-c", "ps -o pid | wc -l"]);
    ok(Number(hostPids.trim()) > 10, `${hostPids.trim()} processes seen with --pid host`);
    const hostname = (await runCommand("cat", ["/proc/sys/kernel/hostname"])).stdout.trim();
    deepStrictEqual((await run(["--uts", "host", "busybox", "hostname"])).trim(), hostname);

    // The docker CLI sends the same fields.
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = await runCommand("docker", [
      "run",
      "--rm",
      "--cap-drop",
      "ALL",
      "--read-only",
      "busybox",
      "sh",
      "-c",
      "grep CapEff /proc/self/status; touch /x",
    ], { env });
    deepStrictEqual(docker.code, 1);
    deepStrictEqual(capEff(docker.stdout), "0000000000000000");

    // Refused at create, nothing left behind.
    for (
      const [flags, message] of [
        [["--network", "none", "-p", "8080:80"], /publishing ports needs the bridge network/],
        [["--cap-add", "FOO"], /invalid CapAdd: unknown capability: "CAP_FOO"/],
        [["--security-opt", "apparmor=docker-default"], /AppArmor is not enabled on this host/],
        [["--security-opt", "bogus"], /Invalid --security-opt: "bogus"/],
        [["--device", "/dev/nope"], /adding custom device "\/dev\/nope": no such file/],
        [["--sysctl", "kernel.domainname=x"], /sysctl 'kernel.domainname' is not allowed/],
        [["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"], /not allowed in host network/],
        [["--pid", "container:x"], /--pid container:x: berth supports only host/],
        [["--oom-score-adj", "2000"], /range for oom score adj is \[-1000, 1000\]/],
      ] as [string[], RegExp][]
    ) {
      const result = await daemon.berth(["run", "--rm", ...flags, "busybox", "true"]);
      deepStrictEqual(result.code, 125, `${flags.join(" ")}: ${result.stderr}`);
      match(result.stderr, message);
    }
    const link = await runCommand("docker", ["run", "--rm", "--link", "a:b", "busybox", "true"], {
      env,
    });
    deepStrictEqual(link.code, 125);
    match(link.stderr, /could not get container for a: No such container: a/);
    deepStrictEqual(await daemon.ok(["ps", "-a", "-q"]), "");
    await assertNoLeaks(daemon);
  },
);
