import { deepStrictEqual, match, notDeepStrictEqual } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand, type TestDaemon } from "./helpers/harness.ts";

function docker(daemon: TestDaemon, args: string[]) {
  return runCommand("docker", args, {
    env: { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` },
  });
}

integrationTest(
  "--cgroupns private gives a cgroup namespace; --annotation reaches the OCI spec; bridge-only options are refused",
  async (daemon) => {
    // (Deno's permissions keep /proc/self from tests: ask a shell.)
    const hostNamespace = (await runCommand("bash", ["-c", "readlink /proc/$$/ns/cgroup"])).stdout
      .trim();
    const own = (await daemon.ok([
      "run",
      "--rm",
      "--cgroupns",
      "private",
      "busybox",
      "sh",
      "-c",
      "readlink /proc/self/ns/cgroup; grep memory /proc/self/cgroup",
    ])).split("\n");
    notDeepStrictEqual(own[0], hostNamespace);
    // Inside its own namespace the container's cgroup is the root.
    match(own[1], /:memory:\/$/);
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "--cgroupns",
        "host",
        "busybox",
        "readlink",
        "/proc/self/ns/cgroup",
      ]),
      `${hostNamespace}\n`,
    );

    const id = (await daemon.ok([
      "run",
      "-d",
      "--annotation",
      "org.example/team=storage",
      "--annotation",
      "empty",
      "busybox",
      "sleep",
      "1000",
    ])).trim();
    const spec = JSON.parse(
      await Deno.readTextFile(`${daemon.root}/containers/${id}/bundle/config.json`),
    );
    deepStrictEqual(spec.annotations, { "org.example/team": "storage", empty: "" });
    deepStrictEqual(
      JSON.parse(await daemon.ok(["inspect", "-f", "{{json .HostConfig.Annotations}}", id])),
      { "org.example/team": "storage", empty: "" },
    );
    await daemon.ok(["rm", "-f", id]);

    const refusals: [string[], RegExp][] = [
      [
        ["--ip", "10.1.2.3"],
        /user specified IP address is supported on user defined networks only/,
      ],
      [
        ["--ip6", "fd00::5"],
        /user specified IP address is supported on user defined networks only/,
      ],
      [
        ["--network", "none", "--mac-address", "02:42:ac:11:00:02"],
        /conflicting options: mac-address and the network mode/,
      ],
      [["--storage-opt", "size=1G"], /--storage-opt is supported only for overlay over xfs/],
      [["--isolation", "hyperv"], /invalid isolation: hyperv/],
    ];
    for (const [flags, message] of refusals) {
      const refused = await docker(daemon, ["run", "--rm", ...flags, "busybox", "true"]);
      deepStrictEqual(refused.code, 125, flags.join(" "));
      match(refused.stderr, message);
    }
    for (
      const [flag, value, message] of [
        ["--isolation", "hyperv", /invalid isolation: hyperv/],
        ["--cgroupns", "bogus", /invalid cgroup namespace mode: bogus/],
        [
          "--ip",
          "10.1.2.3",
          /user specified IP address is supported on user defined networks only/,
        ],
        ["--mac-address", "02:42:ac:11", /invalid MAC address: 02:42:ac:11/],
        ["--network-alias", "web", /network-scoped aliases are only supported/],
      ] as const
    ) {
      const refused = await daemon.berth(["run", "--rm", flag, value, "busybox", "true"]);
      deepStrictEqual(refused.code, 125, flag);
      match(refused.stderr, message);
    }
    // Nothing half-made.
    deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "--cgroup-parent puts the container's cgroup below it; the runtime removes the container's own at exit",
  async (daemon) => {
    const parent = `${daemon.cgroupParent}-own`;
    // (Deno's permissions keep /sys from tests: ask a shell.)
    const sh = async (script: string) => (await runCommand("bash", ["-c", script])).stdout;
    let id = "";
    try {
      id = (await daemon.ok([
        "run",
        "-d",
        "--cgroup-parent",
        parent.slice(1), // relative: below the root, as docker's cgroupfs driver does
        "--memory",
        "64m",
        "busybox",
        "sleep",
        "1000",
      ])).trim();
      const memoryCgroup = `/sys/fs/cgroup/memory${parent}/${id}`;
      deepStrictEqual(
        await sh(`cat ${memoryCgroup}/memory.limit_in_bytes`),
        `${64 * 1024 * 1024}\n`,
      );
      match(
        await daemon.ok(["exec", id, "cat", "/proc/1/cgroup"]),
        new RegExp(`:memory:${parent}/${id}`),
      );
      // stats reads the same cgroup
      match(await daemon.ok(["stats", "--no-stream", "--format", "{{.MemUsage}}", id]), /64MiB/);
      await daemon.ok(["rm", "-f", id]);
      id = "";
      deepStrictEqual(await sh(`test -e ${memoryCgroup} && echo left`), "");

      const refused = await daemon.berth([
        "run",
        "--rm",
        "--cgroup-parent",
        "../escape",
        "busybox",
        "true",
      ]);
      deepStrictEqual(refused.code, 125);
      match(refused.stderr, /invalid cgroup parent: \.\.\/escape/);
      await assertNoLeaks(daemon);
    } finally {
      if (id) await daemon.berth(["rm", "-f", id]);
      // The parent is the test's to remove (the runtime leaves parents, as under docker).
      await sh(`rmdir /sys/fs/cgroup/*${parent} 2>/dev/null; true`);
    }
  },
);
