import { deepStrictEqual, match } from "node:assert/strict";
import {
  assertNoLeaks,
  busyboxRootfs,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";

/** Names of the daemon's volumes, sorted. */
async function volumeNames(daemon: TestDaemon): Promise<string[]> {
  return (await daemon.ok(["volume", "ls", "-q"])).split("\n").filter(Boolean).sort();
}

/** The host directory that holds a volume's data. */
async function mountpoint(daemon: TestDaemon, volume: string): Promise<string> {
  return (await daemon.ok(["volume", "inspect", "-f", "{{.Mountpoint}}", volume])).trim();
}

integrationTest(
  "an image's VOLUME becomes an anonymous volume filled from the image; rm keeps it, rm -v and --rm remove it",
  async (daemon) => {
    await daemon.ok(["tag", "busybox", "plain"]);
    await daemon.ok([
      "import",
      "--change",
      'CMD ["sh"]',
      "--change",
      "VOLUME /etc",
      await busyboxRootfs(),
      "withvolume",
    ]);
    const imagePasswd = await daemon.ok(["run", "--rm", "plain", "cat", "/etc/passwd"]);
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "keep",
      "--hostname",
      "volhost",
      "withvolume",
      "sleep",
      "100",
    ]);
    const [anonymous] = await volumeNames(daemon);
    match(anonymous, /^[a-f0-9]{64}$/);
    // Filled from the image at create, file by file; the container's own
    // /etc/hostname is mounted on top of the volume, not hidden by it.
    const data = await mountpoint(daemon, anonymous);
    deepStrictEqual(await Deno.readTextFile(`${data}/passwd`), imagePasswd);
    deepStrictEqual(await daemon.ok(["exec", "keep", "cat", "/etc/hostname"]), "volhost\n");
    deepStrictEqual(
      await daemon.ok([
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}",
        "keep",
      ]),
      `volume ${anonymous} /etc true\n`,
    );
    await daemon.ok(["exec", "keep", "sh", "-c", "echo written > /etc/new"]);
    deepStrictEqual(await Deno.readTextFile(`${data}/new`), "written\n");

    // rm without -v keeps the volume and its data; prune removes it.
    await daemon.ok(["rm", "-f", "keep"]);
    deepStrictEqual(await volumeNames(daemon), [anonymous]);
    match(
      await daemon.ok(["volume", "prune", "-f"]),
      new RegExp(`Deleted Volumes:\n${anonymous}\n`),
    );
    deepStrictEqual(await volumeNames(daemon), []);
    deepStrictEqual(await Deno.stat(data).catch(() => "gone"), "gone");

    // --rm and rm -v take the anonymous volume with the container.
    await daemon.ok(["run", "--rm", "withvolume", "true"]);
    deepStrictEqual(await volumeNames(daemon), []);
    await daemon.ok(["create", "--name", "dropped", "withvolume"]);
    deepStrictEqual((await volumeNames(daemon)).length, 1);
    await daemon.ok(["rm", "-v", "dropped"]);
    deepStrictEqual(await volumeNames(daemon), []);
    // A named volume over the image's path is used instead, and stays.
    await daemon.ok(["run", "--rm", "-v", "kept:/etc", "withvolume", "true"]);
    deepStrictEqual(await volumeNames(daemon), ["kept"]);
    deepStrictEqual(
      await Deno.readTextFile(`${await mountpoint(daemon, "kept")}/passwd`),
      imagePasswd,
    );
    await daemon.ok(["volume", "rm", "kept"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "named volumes and bind mounts: data outlives containers, ro is read-only, cp goes through them, bad specs leave nothing",
  async (daemon) => {
    await daemon.ok([
      "run",
      "--name",
      "writer",
      "-v",
      "shared:/data",
      "busybox",
      "sh",
      "-c",
      "echo one > /data/f",
    ]);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-v", "shared:/data:ro", "busybox", "cat", "/data/f"]),
      "one\n",
    );
    const readOnly = await daemon.berth([
      "run",
      "--rm",
      "-v",
      "shared:/data:ro",
      "busybox",
      "sh",
      "-c",
      "echo two > /data/f",
    ]);
    deepStrictEqual(readOnly.code, 1);
    match(readOnly.stderr, /Read-only file system/);
    // A volume a container (even a stopped one) mounts cannot go.
    const inUse = await daemon.berth(["volume", "rm", "shared"]);
    deepStrictEqual(inUse.code, 1);
    match(inUse.stderr, /remove shared: volume is in use - \[[a-f0-9]{64}\]/);
    // Volumes and what uses them are on disk: a daemon killed and started
    // again knows both.
    await daemon.kill9();
    await daemon.startProcess();
    match((await daemon.berth(["volume", "rm", "shared"])).stderr, /volume is in use/);
    await daemon.ok(["rm", "-v", "writer"]); // -v leaves named volumes alone
    deepStrictEqual(await volumeNames(daemon), ["shared"]);

    // Host directories: read and written in place; a missing -v source is made.
    const host = `${daemon.dir}/host`;
    await Deno.mkdir(host);
    await Deno.writeTextFile(`${host}/in`, "from the host\n");
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "-v",
        `${host}:/h`,
        "busybox",
        "sh",
        "-c",
        "cat /h/in; echo back > /h/out",
      ]),
      "from the host\n",
    );
    deepStrictEqual(await Deno.readTextFile(`${host}/out`), "back\n");
    await daemon.ok([
      "run",
      "--rm",
      "-v",
      `${daemon.dir}/made/sub:/m`,
      "busybox",
      "test",
      "-d",
      "/m",
    ]);
    deepStrictEqual((await Deno.stat(`${daemon.dir}/made/sub`)).isDirectory, true);
    match(
      await daemon.ok([
        "run",
        "--rm",
        "--tmpfs",
        "/scratch:size=1m",
        "busybox",
        "grep",
        " /scratch ",
        "/proc/mounts",
      ]),
      /^tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/,
    );

    // cp reaches a volume and a bind of a running container.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "live",
      "-v",
      "shared:/data",
      "-v",
      `${host}:/h:ro`,
      "busybox",
      "sleep",
      "100",
    ]);
    await Deno.writeTextFile(`${daemon.dir}/copied`, "copied in\n");
    await daemon.ok(["cp", `${daemon.dir}/copied`, "live:/data/"]);
    deepStrictEqual(
      await Deno.readTextFile(`${await mountpoint(daemon, "shared")}/copied`),
      "copied in\n",
    );
    deepStrictEqual(await daemon.ok(["exec", "live", "cat", "/data/copied"]), "copied in\n");
    const out = await runCommand("bash", [
      "-c",
      `${daemon.commandLine("cp live:/h/in -")} | tar -xOf -`,
    ]);
    deepStrictEqual(out.stdout, "from the host\n", out.stderr);
    const intoReadOnly = await daemon.berth(["cp", `${daemon.dir}/copied`, "live:/h/"]);
    deepStrictEqual(intoReadOnly.code, 1);
    deepStrictEqual(await Deno.stat(`${host}/copied`).catch(() => "absent"), "absent");
    await daemon.ok(["rm", "-f", "live"]);

    // Bad specifications: a clear error, exit 125, no container, no volume.
    const before = await daemon.ok(["ps", "-aq"]);
    for (
      const [args, message] of [
        [["-v", "relative:dest"], /mount path must be absolute/],
        [["-v", "one:/same", "-v", "two:/same"], /Duplicate mount point: \/same/],
        [["-v", "bad@name:/x"], /includes invalid characters for a local volume name/],
        [
          ["--mount", `type=bind,source=${daemon.dir}/absent,target=/x`],
          /bind source path does not exist/,
        ],
        [["-v", "/"], /destination can't be '\/'/],
      ] as const
    ) {
      const result = await daemon.berth(["run", "--rm", ...args, "busybox", "true"]);
      deepStrictEqual(result.code, 125, `${args.join(" ")}: ${result.stderr}`);
      match(result.stderr, message);
    }
    deepStrictEqual(await daemon.ok(["ps", "-aq"]), before);
    deepStrictEqual(await volumeNames(daemon), ["shared"]);
    await daemon.ok(["volume", "rm", "shared"]);
    deepStrictEqual(await volumeNames(daemon), []);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "the docker CLI and docker-py manage volumes on berth",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = async (args: string[]) => {
      const result = await runCommand("docker", args, { env });
      deepStrictEqual(result.code, 0, `docker ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    deepStrictEqual(await docker(["volume", "create", "--label", "team=a", "dv"]), "dv\n");
    await docker(["volume", "create", "other"]);
    deepStrictEqual(await docker(["volume", "ls", "-q", "--filter", "label=team=a"]), "dv\n");
    deepStrictEqual(
      await docker(["volume", "inspect", "-f", "{{.Driver}} {{.Labels.team}} {{.Scope}}", "dv"]),
      "local a local\n",
    );
    await docker(["run", "--rm", "-v", "dv:/d", "busybox", "sh", "-c", "echo via-docker > /d/f"]);
    deepStrictEqual(
      await docker([
        "run",
        "--rm",
        "--mount",
        "type=volume,src=dv,dst=/d,readonly",
        "busybox",
        "cat",
        "/d/f",
      ]),
      "via-docker\n",
    );
    await docker(["create", "--name", "holder", "-v", "/anon", "-v", "dv:/d", "busybox"]);
    deepStrictEqual(
      await docker(["ps", "-a", "--filter", "volume=dv", "--format", "{{.Names}}"]),
      "holder\n",
    );
    await docker(["rm", "-v", "holder"]);
    match(await docker(["system", "df", "-v"]), /dv\s+0\s+11B/);
    match(await docker(["volume", "prune", "-af"]), /Deleted Volumes:\n(dv\nother|other\ndv)\n/);

    const script = `
import docker
client = docker.DockerClient(base_url="${daemon.host}")
volume = client.volumes.create("pyvol", labels={"k": "v"})
out = client.containers.run("busybox", "sh -c 'echo py > /d/f; cat /d/f'",
    volumes={"pyvol": {"bind": "/d", "mode": "rw"}}, remove=True)
print(out.decode().strip(), volume.attrs["Labels"]["k"],
    [v.name for v in client.volumes.list(filters={"label": "k=v"})])
volume.remove()
print(len(client.volumes.list()))
`;
    const python = await runCommand("python3", ["-c", script]);
    deepStrictEqual(python.stdout, "py v ['pyvol']\n0\n", python.stderr);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "--volumes-from shares another container's volumes and binds, ro or rw; its anonymous volume stays its own",
  async (daemon) => {
    const host = await Deno.makeTempDir({ prefix: "berth-vf-" });
    try {
      await Deno.writeTextFile(`${host}/b`, "bound\n");
      await daemon.ok([
        "run",
        "--name",
        "data",
        "-v",
        "shared:/data",
        "-v",
        "/anon",
        "-v",
        `${host}:/bind:ro`,
        "--tmpfs",
        "/scratch",
        "busybox",
        "sh",
        "-c",
        "echo named > /data/f; echo anon > /anon/g",
      ]);
      const anonymous = (await volumeNames(daemon)).filter((name) => name !== "shared");
      deepStrictEqual(anonymous.length, 1);

      // Every volume and bind at its path, the tmpfs not; rw as the source has it.
      deepStrictEqual(
        await daemon.ok([
          "run",
          "--rm",
          "--volumes-from",
          "data",
          "busybox",
          "sh",
          "-c",
          "cat /data/f /anon/g /bind/b; grep -c ' /scratch ' /proc/mounts; echo more >> /data/f",
        ]),
        "named\nanon\nbound\n0\n",
      );
      // The docker CLI sends the same request.
      const viaDocker = await runCommand("docker", [
        "run",
        "--rm",
        "--volumes-from",
        "data:ro",
        "busybox",
        "sh",
        "-c",
        "cat /data/f; echo x > /data/w",
      ], { env: { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` } });
      deepStrictEqual(viaDocker.stdout, "named\nmore\n");
      match(viaDocker.stderr, /Read-only file system/);
      // The container's own mount wins at the same path.
      deepStrictEqual(
        await daemon.ok([
          "run",
          "--rm",
          "--volumes-from",
          "data",
          "-v",
          `${host}:/data`,
          "busybox",
          "ls",
          "/data",
        ]),
        "b\n",
      );
      // The --rm containers left the volumes they shared alone.
      deepStrictEqual(await volumeNames(daemon), [...anonymous, "shared"].sort());

      for (const bad of ["nosuch", "data:xx"]) {
        const refused = await daemon.berth([
          "run",
          "--rm",
          "--volumes-from",
          bad,
          "busybox",
          "true",
        ]);
        deepStrictEqual(refused.code, 125, bad);
        match(refused.stderr, bad === "nosuch" ? /No such container: nosuch/ : /invalid mode: xx/);
      }
      deepStrictEqual(
        await daemon.ok(["ps", "-aq"]),
        `${(await daemon.ok(["inspect", "-f", "{{.Id}}", "data"])).slice(0, 12)}\n`,
      );

      await daemon.ok(["rm", "-v", "data"]);
      deepStrictEqual(await volumeNames(daemon), ["shared"]);
      await daemon.ok(["volume", "rm", "shared"]);
      await assertNoLeaks(daemon);
    } finally {
      await Deno.remove(host, { recursive: true });
    }
  },
);
