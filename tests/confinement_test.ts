import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, BERTH, integrationTest, runCommand } from "./helpers/harness.ts";
import { assertBattery, EPERM, inContainer, probe } from "./helpers/breakout.ts";

integrationTest(
  "the breakout battery: a default container gets a seccomp filter, and every escape fails with its exact error; privileged ones succeed",
  async (daemon) => {
    // The filter is on, for the init and for execs (from the runtime).
    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);
    match(await daemon.ok(["exec", "box", "grep", "Seccomp:", "/proc/1/status"]), /Seccomp:\s+2/);
    match(
      await daemon.ok(["exec", "box", "grep", "Seccomp:", "/proc/self/status"]),
      /Seccomp:\s+2/,
    );
    const [inspected] = JSON.parse(await daemon.ok(["inspect", "box"]));
    deepStrictEqual(inspected.HostConfig.SecurityOpt, null);
    await daemon.ok(["rm", "-f", "box"]);

    await assertBattery(daemon);
    // Confined, not crippled: a user that is not root reads / and the /etc files.
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "-u",
        "1000",
        "busybox",
        "sh",
        "-c",
        "ls / >/dev/null && cat /etc/hostname /etc/hosts /etc/resolv.conf >/dev/null && echo readable",
      ]),
      "readable\n",
    );
    // Raw sockets: allowed with docker's default capabilities, not once NET_RAW is dropped.
    deepStrictEqual((await probe(daemon, [], ["socket-raw"]))["socket-raw"], "ok");
    deepStrictEqual(
      (await probe(daemon, ["--cap-drop", "NET_RAW"], ["socket-raw"]))["socket-raw"],
      EPERM,
    );

    // --privileged: the same calls go through.
    const privileged = await probe(daemon, ["--privileged"], [
      "add_key",
      "bpf",
      "userfaultfd",
      "clone-newuser",
      "perf_event_open",
    ]);
    for (const name of ["add_key", "bpf", "userfaultfd", "clone-newuser"]) {
      deepStrictEqual(privileged[name], "ok", `privileged ${name}`);
    }
    const privilegedShell = await inContainer(
      daemon,
      ["--privileged"],
      "grep Seccomp: /proc/1/status; mount -t tmpfs none /tmp && echo mounted; " +
        "unshare -U true && echo unshared; mkdir /sys/fs/cgroup/x && echo made",
    );
    match(privilegedShell, /Seccomp:\s+0/);
    for (const done of ["mounted", "unshared", "made"]) match(privilegedShell, new RegExp(done));
    // seccomp=unconfined lifts the filter only: capabilities still hold.
    const unconfined = await probe(daemon, ["--security-opt", "seccomp=unconfined"], [
      "add_key",
      "mount-tmpfs",
    ]);
    deepStrictEqual(unconfined, { add_key: "ok", "mount-tmpfs": EPERM });
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "seccomp profiles: a file through the berth and docker CLIs, docker-py's JSON, the daemon's default; bad ones refused with nothing made",
  async (daemon) => {
    const profile = `${daemon.dir}/no-mkdir.json`;
    await Deno.writeTextFile(
      profile,
      JSON.stringify({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [
          // Names this kernel lacks are skipped, as docker's are.
          { names: ["mkdir", "mkdirat", "no_such_call"], action: "SCMP_ACT_ERRNO", errnoRet: 1 },
        ],
      }),
    );
    const script = "mkdir /made 2>&1; grep Seccomp: /proc/self/status";
    // The berth CLI and the docker CLI read the file and send its JSON.
    for (const cli of [BERTH, "docker"]) {
      const result = await runCommand(cli, [
        "-H",
        daemon.host,
        "run",
        "--rm",
        "--security-opt",
        `seccomp=${profile}`,
        "busybox",
        "sh",
        "-c",
        script,
      ]);
      match(result.stdout, /can't create directory '\/made': Operation not permitted/, cli);
      match(result.stdout, /Seccomp:\s+2/, cli);
    }
    const viaPython = await runCommand("python3", [
      "-c",
      `import docker, json, sys
client = docker.DockerClient(base_url="unix://${daemon.socket}")
profile = open(sys.argv[1]).read()
out = client.containers.run("busybox", ["sh", "-c", "mkdir /made; echo rc=$?"], remove=True,
    security_opt=["seccomp=" + profile], stderr=True)
plain = client.containers.run("busybox", ["grep", "Seccomp:", "/proc/1/status"], remove=True,
    security_opt=["seccomp=unconfined"])
print(out.decode().strip(), plain.decode().split()[1])`,
      profile,
    ]);
    // stdout and stderr come in the order the log has them.
    match(viaPython.stdout, /can't create directory '\/made': Operation not permitted/);
    match(viaPython.stdout, /rc=1/);
    match(viaPython.stdout, / 0\n$/);
    // inspect shows what was asked for.
    await daemon.ok([
      "create",
      "--name",
      "kept",
      "--security-opt",
      `seccomp=${profile}`,
      "busybox",
    ]);
    const [kept] = JSON.parse(await daemon.ok(["inspect", "kept"]));
    match(kept.HostConfig.SecurityOpt[0], /^seccomp=\{"defaultAction":"SCMP_ACT_ALLOW"/);
    await daemon.ok(["rm", "kept"]);

    // Bad input: a clear message, no container.
    const bad = async (content: string, expected: RegExp) => {
      const file = `${daemon.dir}/bad.json`;
      await Deno.writeTextFile(file, content);
      const result = await daemon.berth(["create", "--security-opt", `seccomp=${file}`, "busybox"]);
      deepStrictEqual(result.code, 125, result.stderr);
      match(result.stderr, expected);
    };
    await bad("{not json", /decoding seccomp profile .* failed/);
    await bad('{"defaultAction":"SCMP_ACT_PERHAPS"}', /unknown action "SCMP_ACT_PERHAPS"/);
    await bad(
      '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_PDP11"]}',
      /unknown architecture "SCMP_ARCH_PDP11"/,
    );
    await bad(
      JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", comment: "x".repeat(10_000_000) }),
      /invalid seccomp profile: it is 100000\d\d bytes/,
    );
    const missing = await daemon.berth([
      "create",
      "--security-opt",
      "seccomp=/no/such.json",
      "busybox",
    ]);
    deepStrictEqual(missing.code, 125);
    match(missing.stderr, /opening seccomp profile \(\/no\/such\.json\) failed/);
    const apparmor = await daemon.berth([
      "create",
      "--security-opt",
      "apparmor=docker-default",
      "busybox",
    ]);
    match(apparmor.stderr, /AppArmor is not enabled on this host/);
    deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");

    // info says what confines containers here.
    const info = JSON.parse(await daemon.ok(["info", "--format", "json"]));
    deepStrictEqual(info.SecurityOptions, ["name=seccomp,profile=builtin", "name=cgroupns"]);
    match(info.Warnings.join("\n"), /neither AppArmor nor SELinux is enabled/);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "the daemon's --seccomp-profile sets the default filter: unconfined, or a profile file",
  async (daemon) => {
    await daemon.stop();
    const profile = `${daemon.dir}/default.json`;
    await Deno.writeTextFile(
      profile,
      JSON.stringify({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
      }),
    );
    for (
      const [value, expected, name] of [
        ["unconfined", /Seccomp:\s+0/, "unconfined"],
        [
          profile,
          /can't create directory '\/made': Operation not permitted\nSeccomp:\s+2/,
          "custom",
        ],
      ] as const
    ) {
      await daemon.restartWith(["--seccomp-profile", value]);
      const output = await daemon.ok([
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "mkdir /made 2>&1; grep Seccomp: /proc/self/status",
      ]);
      match(output, expected);
      const info = JSON.parse(await daemon.ok(["info", "--format", "json"]));
      ok(info.SecurityOptions.includes(`name=seccomp,profile=${name}`), info.SecurityOptions);
      await daemon.stop();
    }
    // A profile the daemon cannot use stops it at start, with the reason.
    await Deno.writeTextFile(profile, '{"defaultAction":"SCMP_ACT_WHATEVER"}');
    const failed = await daemon.restartWith(["--seccomp-profile", profile]).then(
      () => "",
      (error) => String(error),
    );
    match(failed, /berth daemon failed.*unknown action \\"SCMP_ACT_WHATEVER\\"/);
  },
  { runtimes: ["runc"] },
);
