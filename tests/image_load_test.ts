import { deepStrictEqual, match } from "node:assert/strict";
import { busyboxRootfs, integrationTest, runCommand, type TestDaemon } from "./helpers/harness.ts";
import { tarDirectory, type TestLayer, writeOciLayout } from "./helpers/oci_layout.ts";
import { buildTar } from "./helpers/tar_writer.ts";

/** busybox, a layer that adds files, a gzip layer that whites some out. */
async function threeLayers(): Promise<TestLayer[]> {
  return [
    { tar: await Deno.readFile(await busyboxRootfs()) },
    {
      tar: buildTar([
        { path: "etc/removed", content: "gone soon\n" },
        { path: "data/dir/old", content: "old\n" },
        { path: "data/keep", content: "keep\n", mode: 0o600, uid: 33, gid: 33 },
      ]),
    },
    {
      tar: buildTar([
        { path: "etc/.wh.removed" },
        { path: "data/dir/.wh..wh..opq" },
        { path: "data/dir/new", content: "new\n" },
      ]),
      gzip: true,
    },
  ];
}

/** Names in the daemon's layer store and scratch space. */
async function layerStore(daemon: TestDaemon): Promise<{ layers: string[]; scratch: string[] }> {
  const names = async (dir: string) =>
    (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
  return {
    layers: await names(`${daemon.root}/layers/sha256`),
    scratch: await names(`${daemon.root}/layers/tmp`),
  };
}

integrationTest(
  "load: an OCI layout's layers, whiteouts and opaque dirs make the container's rootfs",
  async (daemon) => {
    const layout = await writeOciLayout(`${daemon.dir}/layout`, await threeLayers(), {
      name: "example.com/test/multi:v1",
    });
    const archive = `${daemon.dir}/layout.tar`;
    await tarDirectory(layout.dir, archive);
    deepStrictEqual(
      await daemon.ok(["load", "-i", archive]),
      "Loaded image: example.com/test/multi:v1\n",
    );
    const seen = await daemon.ok([
      "run",
      "--rm",
      "example.com/test/multi:v1",
      "sh",
      "-c",
      "ls -A /data/dir; stat -c '%a %u %g' /data/keep; cat /data/keep; " +
      "test -e /etc/removed && echo still-there; echo done",
    ]);
    deepStrictEqual(seen, "new\n600 33 33\nkeep\ndone\n");
    const [image] = JSON.parse(await daemon.ok(["image", "inspect", "example.com/test/multi:v1"]));
    deepStrictEqual(image.Id, layout.configDigest);
    deepStrictEqual(image.RootFS.Layers, layout.diffIds);

    // A second load finds every layer stored and extracts none again.
    const before = await layerStore(daemon);
    const inodes = await Promise.all(
      before.layers.map(async (name) =>
        (await Deno.stat(`${daemon.root}/layers/sha256/${name}`)).ino
      ),
    );
    await daemon.ok(["load", "-i", archive]);
    deepStrictEqual(await layerStore(daemon), before);
    deepStrictEqual(
      await Promise.all(
        before.layers.map(async (name) =>
          (await Deno.stat(`${daemon.root}/layers/sha256/${name}`)).ino
        ),
      ),
      inodes,
    );
    deepStrictEqual(before.scratch, []);
  },
);

integrationTest(
  "load: docker load and berth load read a docker-archive that skopeo wrote",
  async (daemon) => {
    const layout = await writeOciLayout(`${daemon.dir}/layout`, [
      { tar: await Deno.readFile(await busyboxRootfs()) },
      { tar: buildTar([{ path: "srv/hello", content: "from skopeo\n" }]), gzip: true },
    ]);
    const archive = `${daemon.dir}/archive.tar`;
    const copied = await runCommand("skopeo", [
      "--insecure-policy",
      "copy",
      `oci:${layout.dir}`,
      `docker-archive:${archive}:example.com/test/archived:v2`,
    ]);
    deepStrictEqual(copied.code, 0, copied.stderr);
    const loaded = await runCommand("docker", ["load", "-i", archive], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual([loaded.code, loaded.stderr], [0, ""]);
    match(loaded.stdout, /Loaded image: example\.com\/test\/archived:v2/);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "example.com/test/archived:v2", "cat", "/srv/hello"]),
      "from skopeo\n",
    );
    await daemon.ok(["rmi", "example.com/test/archived:v2"]);
    // The same archive through berth, from stdin.
    const again = await daemon.berth(["load"], { stdin: await Deno.readFile(archive) });
    deepStrictEqual([again.code, again.stdout], [
      0,
      "Loaded image: example.com/test/archived:v2\n",
    ]);
  },
);

integrationTest(
  "load refuses bad archives with a clear message and leaves nothing behind",
  async (daemon) => {
    const before = await layerStore(daemon);
    const images = await daemon.ok(["images", "-q"]);
    const refuse = async (archive: Uint8Array, message: RegExp) => {
      const result = await daemon.berth(["load"], { stdin: archive });
      deepStrictEqual(result.code, 1, result.stdout);
      match(result.stderr, message);
      deepStrictEqual(await layerStore(daemon), before);
      deepStrictEqual(await daemon.ok(["images", "-q"]), images);
    };
    await refuse(new TextEncoder().encode("not an archive\n".repeat(100)), /not a tar file/);
    await refuse(buildTar([{ path: "hello", content: "x" }]), /neither manifest\.json/);

    const layers = await threeLayers();
    const packed = async (name: string, change: (dir: string) => Promise<void>) => {
      const layout = await writeOciLayout(`${daemon.dir}/${name}`, layers, {
        name: `example.com/bad/${name}`,
      });
      await change(layout.dir);
      await tarDirectory(layout.dir, `${daemon.dir}/${name}.tar`);
      return { layout, tar: await Deno.readFile(`${daemon.dir}/${name}.tar`) };
    };
    // A layer blob that is not what its digest says.
    const tampered = await packed("tampered", async (dir) => {
      const index = JSON.parse(await Deno.readTextFile(`${dir}/index.json`));
      const manifestPath = `${dir}/blobs/sha256/${index.manifests[0].digest.slice(7)}`;
      const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
      const blob = `${dir}/blobs/sha256/${manifest.layers[1].digest.slice(7)}`;
      const bytes = await Deno.readFile(blob);
      bytes[600] ^= 0xff;
      await Deno.writeFile(blob, bytes);
    });
    await refuse(tampered.tar, /does not match its digest/);

    // A layer that writes outside itself, under a correct digest.
    const hostile = await writeOciLayout(`${daemon.dir}/hostile`, [
      { tar: buildTar([{ path: "../../../../tmp/berth-escaped", content: "x" }]) },
    ], { name: "example.com/bad/hostile" });
    await tarDirectory(hostile.dir, `${daemon.dir}/hostile.tar`);
    await refuse(await Deno.readFile(`${daemon.dir}/hostile.tar`), /leaves the layer/);
    deepStrictEqual(await Deno.stat("/tmp/berth-escaped").catch(() => "absent"), "absent");

    // A config whose diff IDs do not match the layers (all digests right).
    const lying = await writeOciLayout(`${daemon.dir}/lying`, [
      { tar: buildTar([{ path: "a", content: "a" }]) },
    ], { name: "example.com/bad/lying", configDiffIds: [`sha256:${"0".repeat(64)}`] });
    await tarDirectory(lying.dir, `${daemon.dir}/lying.tar`);
    await refuse(await Deno.readFile(`${daemon.dir}/lying.tar`), /does not match its diff ID/);

    // A good new layer, then a hostile one: the good one is not kept either.
    const halfGood = await writeOciLayout(`${daemon.dir}/half-good`, [
      { tar: buildTar([{ path: "good", content: "a layer nobody has yet\n" }]) },
      { tar: buildTar([{ path: "../escape", content: "x" }]) },
    ], { name: "example.com/bad/half-good" });
    await tarDirectory(halfGood.dir, `${daemon.dir}/half-good.tar`);
    await refuse(await Deno.readFile(`${daemon.dir}/half-good.tar`), /leaves the layer/);
    // Good layers under a name that is no reference.
    const badName = await writeOciLayout(`${daemon.dir}/bad-name`, [
      { tar: buildTar([{ path: "good", content: "another new layer\n" }]) },
    ], { name: "example.com/Bad Name:v1" });
    await tarDirectory(badName.dir, `${daemon.dir}/bad-name.tar`);
    await refuse(await Deno.readFile(`${daemon.dir}/bad-name.tar`), /invalid reference format/);
  },
);

integrationTest(
  "save: the archive holds the very layers loaded; skopeo, docker load and berth read it back",
  async (daemon) => {
    const layout = await writeOciLayout(`${daemon.dir}/layout`, await threeLayers(), {
      name: "example.com/test/multi:v1",
    });
    await tarDirectory(layout.dir, `${daemon.dir}/layout.tar`);
    await daemon.ok(["load", "-i", `${daemon.dir}/layout.tar`]);
    const saved = `${daemon.dir}/saved.tar`;
    deepStrictEqual(await daemon.ok(["save", "-o", saved, "example.com/test/multi:v1"]), "");
    const inspected = await runCommand("skopeo", ["inspect", `docker-archive:${saved}`]);
    deepStrictEqual(inspected.code, 0, inspected.stderr);
    // docker-archive layers are the uncompressed tars: their digests are the diff IDs.
    deepStrictEqual(JSON.parse(inspected.stdout).Layers, layout.diffIds);

    // The real docker CLI saves through the API too, and loads it back.
    const docker = (args: string[]) =>
      runCommand("docker", args, { env: { DOCKER_HOST: daemon.host } });
    const viaDocker = `${daemon.dir}/via-docker.tar`;
    deepStrictEqual((await docker(["save", "-o", viaDocker, "example.com/test/multi:v1"])).code, 0);
    deepStrictEqual(await Deno.readFile(viaDocker).then((bytes) => bytes.length > 0), true);
    await daemon.ok(["rmi", "example.com/test/multi:v1"]);
    deepStrictEqual((await layerStore(daemon)).layers.length, 1); // busybox, the harness's
    const loaded = await docker(["load", "-i", saved]);
    deepStrictEqual(loaded.code, 0, loaded.stderr);
    match(loaded.stdout, /Loaded image: example\.com\/test\/multi:v1/);
    const [image] = JSON.parse(await daemon.ok(["image", "inspect", "example.com/test/multi:v1"]));
    deepStrictEqual(image.Id, layout.configDigest);
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "example.com/test/multi:v1",
        "sh",
        "-c",
        "ls -A /data/dir; test -e /etc/removed || echo removed",
      ]),
      "new\nremoved\n",
    );
    const missing = await daemon.berth(["save", "-o", `${daemon.dir}/none.tar`, "no/such:image"]);
    deepStrictEqual(missing.code, 1);
    match(missing.stderr, /No such image: no\/such:image/);
    deepStrictEqual(await Deno.stat(`${daemon.dir}/none.tar`).catch(() => "absent"), "absent");
  },
);

integrationTest(
  "history shows each entry and its layer; image prune takes dangling, then unused images",
  async (daemon) => {
    const [row] = (await daemon.ok(["history", "--format", "{{.CreatedBy}}|{{.Size}}", "busybox"]))
      .trim().split("\n");
    match(row, /^berth import\|\d/);
    const docker = (args: string[]) =>
      runCommand("docker", args, { env: { DOCKER_HOST: daemon.host } });
    const viaDocker = await docker(["history", "busybox"]);
    deepStrictEqual(viaDocker.code, 0, viaDocker.stderr);
    match(viaDocker.stdout, /berth import/);

    const dangling = (await daemon.ok(["import", await busyboxRootfs()])).trim();
    const pruned = await daemon.ok(["image", "prune", "-f"]);
    match(pruned, new RegExp(`deleted: ${dangling}`));
    match(pruned, /Total reclaimed space: 0B/); // its layer is busybox's, still used
    deepStrictEqual(await daemon.ok(["images", "--format", "{{.Repository}}"]), "busybox\n");

    const user = (await daemon.ok(["create", "busybox", "true"])).trim();
    await daemon.ok(["image", "prune", "-a", "-f"]);
    deepStrictEqual(await daemon.ok(["images", "-q"]) !== "", true, "an image in use stays");
    await daemon.ok(["rm", user]);
    const all = await docker(["image", "prune", "-a", "-f"]);
    deepStrictEqual(all.code, 0, all.stderr);
    match(all.stdout, /untagged: busybox:latest/);
    deepStrictEqual(await daemon.ok(["images", "-q"]), "");
    deepStrictEqual((await layerStore(daemon)).layers, []);
  },
);

integrationTest(
  "an image's config reaches its containers: env, entrypoint, cmd, user, dir, labels, ports",
  async (daemon) => {
    const layout = await writeOciLayout(`${daemon.dir}/layout`, [
      { tar: await Deno.readFile(await busyboxRootfs()) },
    ], {
      name: "example.com/test/configured:v1",
      cmd: ["-c", "echo $GREETING from $(pwd) as $(id -u)"],
      env: ["PATH=/bin", "GREETING=hello"],
      runConfig: {
        Entrypoint: ["sh"],
        User: "33",
        WorkingDir: "/srv/app",
        Labels: { "org.example.team": "core" },
        ExposedPorts: { "8080/tcp": {} },
        StopSignal: "SIGINT",
        Volumes: { "/data": {} },
        Healthcheck: { Test: ["CMD", "true"], Interval: 30000000000 },
      },
    });
    await tarDirectory(layout.dir, `${daemon.dir}/layout.tar`);
    await daemon.ok(["load", "-i", `${daemon.dir}/layout.tar`]);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "example.com/test/configured:v1"]),
      "hello from /srv/app as 33\n",
    );
    const id = (await daemon.ok(["create", "example.com/test/configured:v1"])).trim();
    const [container] = JSON.parse(await daemon.ok(["inspect", id]));
    deepStrictEqual(container.Config.Labels, { "org.example.team": "core" });
    deepStrictEqual(container.Config.ExposedPorts, { "8080/tcp": {} });
    deepStrictEqual(container.Config.StopSignal, "SIGINT");
    deepStrictEqual(container.Config.Volumes, { "/data": {} });
    deepStrictEqual(container.Config.Healthcheck.Test, ["CMD", "true"]);
    const [image] = JSON.parse(
      await daemon.ok(["image", "inspect", "example.com/test/configured:v1"]),
    );
    deepStrictEqual(image.Config.Healthcheck.Interval, 30000000000);
    await daemon.ok(["rm", id]);
  },
);
