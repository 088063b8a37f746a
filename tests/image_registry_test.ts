import { deepStrictEqual, match, ok } from "node:assert/strict";
import { berthInBackground } from "./helpers/background.ts";
import {
  assertNoLeaks,
  BERTH,
  busyboxRootfs,
  eventually,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import {
  randomLayer,
  tarDirectory,
  type TestLayer,
  writeMultiArchLayout,
  writeOciLayout,
} from "./helpers/oci_layout.ts";
import {
  REGISTRY_CERTS_DIR,
  type TestRegistry,
  trustRegistry,
  withRegistry,
} from "./helpers/registry.ts";
import { buildTar } from "./helpers/tar_writer.ts";

async function busyboxLayer(): Promise<TestLayer> {
  return { tar: await Deno.readFile(await busyboxRootfs()), gzip: true };
}

/**
 * Push an index of two images: arm64 (only /arch) and amd64 (busybox and
 * /arch), each /arch naming its architecture. Returns the reference.
 */
async function pushTwoArchImage(
  daemon: TestDaemon,
  registry: TestRegistry,
  repository: string,
): Promise<string> {
  const marker = (arch: string) => ({ tar: buildTar([{ path: "arch", content: `${arch}\n` }]) });
  await writeMultiArchLayout(`${daemon.dir}/layout`, [
    { architecture: "arm64", layers: [marker("arm64")] },
    { architecture: "amd64", layers: [await busyboxLayer(), marker("amd64")] },
  ]);
  await registry.push(`${daemon.dir}/layout`, repository, { all: true });
  return `${registry.host}/${repository}`;
}

integrationTest(
  "pull: layers pushed by skopeo make the rootfs; again, everything already exists",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const layout = await writeOciLayout(`${daemon.dir}/layout`, [
        await busyboxLayer(),
        {
          tar: buildTar([{ path: "etc/gone", content: "x" }, {
            path: "srv/dir/old",
            content: "o",
          }]),
        },
        {
          tar: buildTar([
            { path: "etc/.wh.gone" },
            { path: "srv/dir/.wh..wh..opq" },
            { path: "srv/dir/new", content: "pulled\n" },
          ]),
          gzip: true,
        },
      ]);
      await registry.push(layout.dir, "test/multi:v1");
      const name = `${registry.host}/test/multi:v1`;
      const pulled = await daemon.berth(["pull", name]);
      deepStrictEqual(pulled.code, 0, pulled.stderr);
      deepStrictEqual(
        pulled.stdout.split("\n").filter((line) => /Pull complete/.test(line)).length,
        2,
      );
      match(pulled.stdout, /Already exists/); // busybox: imported by the harness already
      match(pulled.stdout, new RegExp(`Status: Downloaded newer image for ${name}`));
      deepStrictEqual(
        await daemon.ok([
          "run",
          "--rm",
          name,
          "sh",
          "-c",
          "ls -A /srv/dir; test -e /etc/gone || echo gone",
        ]),
        "new\ngone\n",
      );
      const [image] = JSON.parse(await daemon.ok(["image", "inspect", name]));
      deepStrictEqual(image.Id, layout.configDigest);
      // The manifest digest is remembered, and pulls by digest work.
      const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(pulled.stdout)![1];
      deepStrictEqual(image.RepoDigests, [`${registry.host}/test/multi@${digest}`]);
      match(await daemon.ok(["images", "--digests"]), new RegExp(`v1\\s+${digest}`));
      const byDigest = await daemon.berth(["pull", `${registry.host}/test/multi@${digest}`]);
      deepStrictEqual(byDigest.code, 0, byDigest.stderr);
      match(byDigest.stdout, /Image is up to date/);

      const again = await daemon.ok(["pull", name]);
      deepStrictEqual(again.split("\n").filter((line) => /Already exists/.test(line)).length, 3);
      match(again, new RegExp(`Status: Image is up to date for ${name}`));
      // The docker CLI pulls through berth too.
      const docker = await runCommand("docker", ["pull", name], {
        env: { DOCKER_HOST: daemon.host },
      });
      deepStrictEqual(docker.code, 0, docker.stderr);
      match(docker.stdout, /Image is up to date/);

      const missing = await daemon.berth(["pull", `${registry.host}/test/multi:nope`]);
      deepStrictEqual(missing.code, 1);
      match(missing.stderr, /manifest for .*test\/multi:nope not found/);
    });
  },
);

integrationTest("pull: two pulls at once fetch each layer once", async (daemon) => {
  await withRegistry(daemon, async (registry) => {
    const { layer, md5 } = randomLayer(24);
    const layout = await writeOciLayout(`${daemon.dir}/layout`, [await busyboxLayer(), layer]);
    await registry.push(layout.dir, "test/big:v1");
    const name = `${registry.host}/test/big:v1`;
    const [first, second] = await Promise.all([
      daemon.berth(["pull", name]),
      daemon.berth(["pull", name]),
    ]);
    deepStrictEqual([first.code, second.code], [0, 0], first.stderr + second.stderr);
    const [, big] = await registry.layerDigests("test/big", "v1");
    deepStrictEqual(await registry.blobFetches(big), 1);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", name, "md5sum", "/data/random"]),
      `${md5}  /data/random\n`,
    );
  });
});

integrationTest(
  "pull: a multi-arch index resolves to the host's platform, or to --platform",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const name = await pushTwoArchImage(daemon, registry, "test/multiarch:v1");
      await daemon.ok(["pull", name]);
      deepStrictEqual(await daemon.ok(["run", "--rm", name, "cat", "/arch"]), "amd64\n");
      await daemon.ok(["pull", "--platform", "linux/arm64", name]);
      deepStrictEqual(
        await daemon.ok(["image", "inspect", "-f", "{{.Architecture}}", name]),
        "arm64\n",
      );
      const none = await daemon.berth(["pull", "--platform", "linux/s390x", name]);
      deepStrictEqual(none.code, 1);
      match(none.stderr, /no matching manifest for linux\/s390x/);
    });
  },
);

integrationTest(
  "pull: a daemon killed mid-pull leaves no partial layer, and the next pull completes",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const { layer, md5 } = randomLayer(96);
      const layout = await writeOciLayout(`${daemon.dir}/layout`, [await busyboxLayer(), layer]);
      await registry.push(layout.dir, "test/cut:v1");
      const name = `${registry.host}/test/cut:v1`;
      const layersBefore = [...Deno.readDirSync(`${daemon.root}/layers/sha256`)].length;
      const pull = berthInBackground(daemon, ["pull", name]);
      try {
        // Kill the daemon while the layer is on its way.
        await eventually(
          async () => {
            for await (const entry of Deno.readDir(`${daemon.root}/layers/tmp`)) {
              const blob = await Deno.stat(`${daemon.root}/layers/tmp/${entry.name}/blob`)
                .catch(() => undefined);
              if (blob && blob.size > 0) return true;
            }
            return false;
          },
          20_000,
          "a download in progress",
        );
        await daemon.kill9();
        ok(await pull.exited() !== 0);
      } finally {
        await pull.dispose();
      }
      await daemon.startProcess();
      deepStrictEqual([...Deno.readDirSync(`${daemon.root}/layers/tmp`)], []);
      deepStrictEqual([...Deno.readDirSync(`${daemon.root}/layers/sha256`)].length, layersBefore);
      await daemon.ok(["pull", name]);
      deepStrictEqual(
        await daemon.ok(["run", "--rm", name, "md5sum", "/data/random"]),
        `${md5}  /data/random\n`,
      );
    });
  },
);

/** The diff IDs in the layer store, and those its images name. */
async function storedAndNamedLayers(daemon: TestDaemon) {
  const stored = [...Deno.readDirSync(`${daemon.root}/layers/sha256`)]
    .map((entry) => `sha256:${entry.name}`).sort();
  const ids = (await daemon.ok(["images", "-aq", "--no-trunc"])).split("\n").filter(Boolean);
  const images: { RootFS: { Layers: string[] } }[] = JSON.parse(
    await daemon.ok(["image", "inspect", ...ids]),
  );
  return { stored, named: [...new Set(images.flatMap((image) => image.RootFS.Layers))].sort() };
}

async function layersSize(daemon: TestDaemon): Promise<number> {
  return (await (await daemon.api("GET", "/system/df")).json()).LayersSize;
}

integrationTest(
  "pull: a pull that fails keeps no layer; layers no image names are counted by df and removed by prune and at start",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      // Two good layers, then one whose blob the registry has lost.
      const layout = await writeOciLayout(`${daemon.dir}/layout`, [
        randomLayer(2).layer,
        randomLayer(2).layer,
        randomLayer(2).layer,
      ]);
      await registry.push(layout.dir, "test/broken:v1");
      const [, , lost] = await registry.layerDigests("test/broken", "v1");
      await Deno.remove(
        `${registry.dir}/data/docker/registry/v2/blobs/sha256/${lost.slice(7, 9)}/${lost.slice(7)}`,
        { recursive: true },
      );
      const failed = await daemon.berth(["pull", `${registry.host}/test/broken:v1`]);
      ok(failed.code !== 0, failed.stdout);
      const after = await storedAndNamedLayers(daemon);
      deepStrictEqual(after.stored, after.named);
    });

    // A layer no image names (as an older berth could leave): df counts
    // it, prune removes it; one left while no daemon runs goes at start.
    const orphan = async (hex: string) => {
      const dir = `${daemon.root}/layers/sha256/${hex}`;
      await Deno.mkdir(`${dir}/diff`, { recursive: true });
      await Deno.writeFile(`${dir}/diff/blob`, new Uint8Array(1024 * 1024));
      await Deno.writeTextFile(
        `${dir}/layer.json`,
        JSON.stringify({ diffId: `sha256:${hex}`, size: 1024 * 1024 }),
      );
    };
    const sizeBefore = await layersSize(daemon);
    await orphan("a".repeat(64));
    deepStrictEqual(await layersSize(daemon) - sizeBefore, 1024 * 1024);
    match(await daemon.ok(["image", "prune", "-f"]), /^Total reclaimed space: 1\.05MB$/m);
    deepStrictEqual(await layersSize(daemon), sizeBefore);
    await daemon.stop();
    await orphan("b".repeat(64));
    await daemon.startProcess();
    const restarted = await storedAndNamedLayers(daemon);
    deepStrictEqual(restarted.stored, restarted.named);
    await assertNoLeaks(daemon);
  },
  { runtimes: ["runc"] },
);

integrationTest(
  "pull: over TLS from a private CA with basic auth, after login (berth and docker CLIs)",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const untrust = await trustRegistry(registry);
      try {
        const layout = await writeOciLayout(`${daemon.dir}/layout`, [
          await busyboxLayer(),
          { tar: buildTar([{ path: "srv/secret", content: "behind a login\n" }]) },
        ]);
        await registry.push(layout.dir, "test/private:v1", { credentials: "tester:s3cret" });
        const name = `${registry.host}/test/private:v1`;
        const config = `${daemon.dir}/client-config`;
        const cli = (args: string[], stdin?: string) =>
          runCommand(BERTH, ["-H", daemon.host, ...args], {
            env: { BERTH_CONFIG: config },
            stdin,
          });
        const denied = await cli(["pull", name]);
        deepStrictEqual(denied.code, 1);
        match(denied.stderr, /pull access denied/);
        const wrong = await cli(
          ["login", "-u", "tester", "--password-stdin", registry.host],
          "no\n",
        );
        deepStrictEqual(wrong.code, 1);
        match(wrong.stderr, /401 Unauthorized/);
        const login = await cli(
          ["login", "-u", "tester", "--password-stdin", registry.host],
          "s3cret\n",
        );
        deepStrictEqual([login.code, login.stdout], [0, "Login Succeeded\n"], login.stderr);
        deepStrictEqual((await Deno.stat(`${config}/config.json`)).mode! & 0o777, 0o600);
        ok(JSON.parse(await Deno.readTextFile(`${config}/config.json`)).auths[registry.host]);
        const pulled = await cli(["pull", name]);
        deepStrictEqual(pulled.code, 0, pulled.stderr);
        deepStrictEqual(
          await daemon.ok(["run", "--rm", name, "cat", "/srv/secret"]),
          "behind a login\n",
        );
        const logout = await cli(["logout", registry.host]);
        deepStrictEqual(logout.stdout, `Removing login credentials for ${registry.host}\n`);
        await daemon.ok(["rmi", name]);
        deepStrictEqual((await cli(["pull", name])).code, 1);

        // The docker CLI logs in through POST /auth and pulls with its own config.
        const docker = (args: string[], stdin?: string) =>
          runCommand("docker", ["--config", `${daemon.dir}/docker-config`, ...args], {
            env: { DOCKER_HOST: daemon.host },
            stdin,
          });
        const dockerLogin = await docker(
          ["login", "-u", "tester", "--password-stdin", registry.host],
          "s3cret\n",
        );
        deepStrictEqual(dockerLogin.code, 0, dockerLogin.stderr);
        match(dockerLogin.stdout, /Login Succeeded/);
        const dockerPull = await docker(["pull", name]);
        deepStrictEqual(dockerPull.code, 0, dockerPull.stderr);
        match(dockerPull.stdout, /Downloaded newer image/);
      } finally {
        await untrust();
      }
    }, { auth: { username: "tester", password: "s3cret" } });
  },
  { daemonFlags: ["--certs-dir", REGISTRY_CERTS_DIR] },
);

integrationTest(
  "push: skopeo sees the pushed image, and a pull brings back the same image id",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const layout = await writeOciLayout(`${daemon.dir}/layout`, [
        await busyboxLayer(),
        { tar: buildTar([{ path: "srv/pushed", content: "round trip\n" }]), gzip: true },
      ], { name: "example.com/local/app:v1" });
      await tarDirectory(layout.dir, `${daemon.dir}/layout.tar`);
      await daemon.ok(["load", "-i", `${daemon.dir}/layout.tar`]);
      const name = `${registry.host}/test/pushed:v1`;
      await daemon.ok(["tag", "example.com/local/app:v1", name]);
      const pushed = await daemon.berth(["push", name]);
      deepStrictEqual(pushed.code, 0, pushed.stderr);
      deepStrictEqual(pushed.stdout.split("\n").filter((line) => /: Pushed$/.test(line)).length, 2);
      match(pushed.stdout, /v1: digest: sha256:[a-f0-9]{64} size: \d+/);
      const raw = await runCommand("skopeo", [
        "inspect",
        "--raw",
        "--tls-verify=false",
        `docker://${name}`,
      ]);
      deepStrictEqual(raw.code, 0, raw.stderr);
      const manifest = JSON.parse(raw.stdout);
      deepStrictEqual(manifest.config.digest, layout.configDigest);
      deepStrictEqual(manifest.layers.length, 2);
      // Again: every blob is there already.
      const again = await daemon.ok(["push", name]);
      deepStrictEqual(
        again.split("\n").filter((line) => /Layer already exists/.test(line)).length,
        2,
      );

      await daemon.ok(["rmi", name, "example.com/local/app:v1"]);
      await daemon.ok(["pull", name]);
      const [image] = JSON.parse(await daemon.ok(["image", "inspect", name]));
      deepStrictEqual(image.Id, layout.configDigest);
      deepStrictEqual(await daemon.ok(["run", "--rm", name, "cat", "/srv/pushed"]), "round trip\n");
    });
  },
);

integrationTest(
  "run --pull: missing pulls once, never refuses a missing image, always fetches the tag again",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const marker = (text: string) => ({ tar: buildTar([{ path: "marker", content: text }]) });
      const push = async (text: string) => {
        await Deno.remove(`${daemon.dir}/layout`, { recursive: true }).catch(() => {});
        const layout = await writeOciLayout(`${daemon.dir}/layout`, [
          await busyboxLayer(),
          marker(text),
        ]);
        await registry.push(layout.dir, "test/moving:v1");
      };
      const name = `${registry.host}/test/moving:v1`;
      await push("first\n");

      const never = await daemon.berth(["run", "--rm", "--pull", "never", name, "cat", "/marker"]);
      deepStrictEqual(never.code, 125);
      match(never.stderr, /No such image/);
      const missing = await daemon.berth(["run", "--rm", name, "cat", "/marker"]);
      deepStrictEqual([missing.code, missing.stdout], [0, "first\n"], missing.stderr);
      match(missing.stderr, /Unable to find image/);

      await push("second\n");
      // Present: not pulled again, unless always.
      deepStrictEqual(await daemon.ok(["run", "--rm", name, "cat", "/marker"]), "first\n");
      const always = await daemon.berth([
        "run",
        "--rm",
        "--pull",
        "always",
        "-q",
        name,
        "cat",
        "/marker",
      ]);
      deepStrictEqual([always.code, always.stdout, always.stderr], [0, "second\n", ""]);

      const bad = await daemon.berth(["run", "--rm", "--pull", "sometimes", name, "true"]);
      deepStrictEqual(bad.code, 125);
      match(bad.stderr, /invalid pull option: 'sometimes'/);
      await assertNoLeaks(daemon);
    });
  },
);

integrationTest(
  "create --platform: a local image of another platform is not used; the platform's is pulled",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const name = await pushTwoArchImage(daemon, registry, "test/platforms:v1");
      await daemon.ok(["pull", name]); // the host's: amd64
      const imageArch = async () =>
        (await daemon.ok(["image", "inspect", "-f", "{{.Architecture}}", name])).trim();

      const never = await daemon.berth([
        "create",
        "--pull",
        "never",
        "--platform",
        "linux/arm64",
        name,
      ]);
      deepStrictEqual(never.code, 125);
      match(
        never.stderr,
        /was found but does not match the specified platform: wanted linux\/arm64, actual: linux\/amd64/,
      );
      deepStrictEqual(await imageArch(), "amd64");

      const arm = (await daemon.ok(["create", "-q", "--platform", "linux/arm64", name])).trim();
      deepStrictEqual(await imageArch(), "arm64");
      // The docker CLI asks for the same check and pulls the same way.
      const viaDocker = await runCommand("docker", [
        "create",
        "--platform",
        "linux/amd64",
        name,
      ], { env: { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` } });
      deepStrictEqual(viaDocker.code, 0, viaDocker.stderr);
      deepStrictEqual(await imageArch(), "amd64");
      // The image the container was made from is the one that matched.
      deepStrictEqual(
        await daemon.ok(["run", "--rm", "--platform", "linux/amd64", name, "cat", "/arch"]),
        "amd64\n",
      );
      await daemon.ok(["rm", arm, viaDocker.stdout.trim()]);
      await assertNoLeaks(daemon);
    });
  },
);
