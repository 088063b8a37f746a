import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

const CHANGES =
  "mkdir -p /srv/new && echo committed > /srv/new/f && ln /srv/new/f /srv/new/hard && rm /etc/group";

integrationTest(
  "commit: a new layer from the container's changes, whiteouts and links kept, changes applied",
  async (daemon) => {
    await daemon.ok(["run", "--name", "source", "busybox", "sh", "-c", CHANGES]);
    const id = (await daemon.ok([
      "commit",
      "-m",
      "my change",
      "-c",
      'CMD ["cat", "/srv/new/f"]',
      "source",
      "example/committed:v1",
    ])).trim();
    match(id, /^sha256:[a-f0-9]{64}$/);
    deepStrictEqual(await daemon.ok(["run", "--rm", "example/committed:v1"]), "committed\n");
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "example/committed:v1",
        "sh",
        "-c",
        "test -e /etc/group || echo gone; stat -c %i /srv/new/f /srv/new/hard | uniq | wc -l",
      ]),
      "gone\n1\n",
    );
    match(await daemon.ok(["history", "example/committed:v1"]), /berth commit .* my change/);
    const badChange = await daemon.berth(["commit", "-c", "RUN true", "source", "x/y"]);
    deepStrictEqual(badChange.code, 1);
    match(badChange.stderr, /RUN is not a valid change command/);
    // A running container is paused for the commit and runs on afterwards.
    await daemon.ok(["run", "-d", "--name", "live", "busybox", "sleep", "100"]);
    const docker = await runCommand("docker", ["commit", "live", "example/live"], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual(docker.code, 0, docker.stderr);
    deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "live"]), "running\n");
    await daemon.ok(["rm", "-f", "live", "source"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest("export: the container's filesystem as a tar, running or not", async (daemon) => {
  await daemon.ok(["run", "--name", "exported", "busybox", "sh", "-c", CHANGES]);
  const tar = `${daemon.dir}/exported.tar`;
  deepStrictEqual(await daemon.ok(["export", "-o", tar, "exported"]), "");
  const listing = (await runCommand("tar", ["-tvf", tar])).stdout;
  match(listing, /srv\/new\/f\n/);
  match(listing, /srv\/new\/hard link to srv\/new\/f/);
  match(listing, /bin\/busybox/);
  ok(!/etc\/group\n/.test(listing), "a deleted file is not exported");
  ok(!/etc\/hosts\n/.test(listing), "the runtime's mount points are not exported");
  // The docker CLI exports through the same API; a stopped container's
  // rootfs is mounted for it and unmounted after.
  const docker = await runCommand("bash", [
    "-c",
    `DOCKER_HOST='${daemon.host}' docker export exported | tar -tf - | grep -c srv/new/f`,
  ]);
  deepStrictEqual(docker.stdout, "1\n");
  const missing = await daemon.berth(["export", "-o", `${daemon.dir}/none.tar`, "nosuch"]);
  deepStrictEqual(missing.code, 1);
  deepStrictEqual(await Deno.stat(`${daemon.dir}/none.tar`).catch(() => "absent"), "absent");
  await daemon.ok(["rm", "exported"]);
  await assertNoLeaks(daemon);
});
