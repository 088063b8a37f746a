import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

const SETUP = "mkdir -p /srv/d && echo inside > /srv/d/f && ln -s /etc /srv/d/etclink && " +
  "ln -s / /srv/d/rootlink";

integrationTest(
  "cp out of a container: a directory, a file under a new name, a tar",
  async (daemon) => {
    await daemon.ok(["run", "--name", "source", "busybox", "sh", "-c", SETUP]);
    const out = `${daemon.dir}/out`;
    await Deno.mkdir(out);
    // A stopped container: its rootfs is mounted for the copy.
    await daemon.ok(["cp", "source:/srv/d", `${out}/`]);
    deepStrictEqual(await Deno.readTextFile(`${out}/d/f`), "inside\n");
    deepStrictEqual(await Deno.readLink(`${out}/d/etclink`), "/etc");
    await daemon.ok(["cp", "source:/srv/d/f", `${out}/renamed`]);
    deepStrictEqual(await Deno.readTextFile(`${out}/renamed`), "inside\n");
    const listed = await runCommand("bash", [
      "-c",
      `${daemon.commandLine("cp source:/srv/d -")} | tar -tf - | sort`,
    ]);
    deepStrictEqual(listed.stdout, "d/\nd/etclink\nd/f\nd/rootlink\n", listed.stderr);
    const docker = await runCommand("docker", ["cp", "source:/srv/d/f", `${out}/viadocker`], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual(docker.code, 0, docker.stderr);
    deepStrictEqual(await Deno.readTextFile(`${out}/viadocker`), "inside\n");
    const missing = await daemon.berth(["cp", "source:/nope", out]);
    deepStrictEqual(missing.code, 1);
    match(missing.stderr, /Could not find the file \/nope in container/);
    await daemon.ok(["rm", "source"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "cp into a container follows its symlinks inside it and never lands on the host",
  async (daemon) => {
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "target",
      "busybox",
      "sh",
      "-c",
      `${SETUP}; sleep 100`,
    ]);
    // The setup has run once its last link is there.
    for (let tries = 0; tries < 50; tries++) {
      if ((await daemon.berth(["exec", "target", "test", "-L", "/srv/d/rootlink"])).code === 0) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const local = `${daemon.dir}/local`;
    await Deno.mkdir(`${local}/tree/sub`, { recursive: true });
    await Deno.writeTextFile(`${local}/file.txt`, "from the host\n");
    await Deno.writeTextFile(`${local}/tree/sub/deep`, "deep\n");
    await daemon.ok(["cp", `${local}/file.txt`, "target:/srv/"]);
    await daemon.ok(["cp", `${local}/tree`, "target:/srv/copied"]);
    await daemon.ok(["cp", `${local}/file.txt`, "target:/srv/d/etclink/"]);
    // Climbing out through a link to / stays in the container's root.
    const unique = `escaped-${crypto.randomUUID()}`;
    await daemon.ok(["cp", `${local}/file.txt`, `target:/srv/d/rootlink/../../../tmp/${unique}`]);
    deepStrictEqual(
      await daemon.ok(["exec", "target", "cat", `/tmp/${unique}`]),
      "from the host\n",
    );
    deepStrictEqual(await Deno.stat(`/tmp/${unique}`).catch(() => "absent"), "absent");
    const victim = `${daemon.dir}/victim`;
    await Deno.mkdir(victim);
    const outside = await daemon.berth([
      "cp",
      `${local}/file.txt`,
      `target:/srv/d/rootlink/../../../..${victim}/`,
    ]);
    deepStrictEqual(outside.code, 1);
    deepStrictEqual([...Deno.readDirSync(victim)], []);
    deepStrictEqual(
      await daemon.ok([
        "exec",
        "target",
        "sh",
        "-c",
        "cat /srv/file.txt /srv/copied/sub/deep /etc/file.txt; ls /srv/d",
      ]),
      "from the host\ndeep\nfrom the host\netclink\nf\nrootlink\n",
    );
    deepStrictEqual(await Deno.stat("/etc/file.txt").catch(() => "absent"), "absent");
    const docker = await runCommand("docker", ["cp", `${local}/file.txt`, "target:/tmp/"], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual(docker.code, 0, docker.stderr);
    deepStrictEqual(await daemon.ok(["exec", "target", "cat", "/tmp/file.txt"]), "from the host\n");
    const noParent = await daemon.berth(["cp", `${local}/file.txt`, "target:/nowhere/x"]);
    deepStrictEqual(noParent.code, 1);
    match(noParent.stderr, /Could not find the file \/nowhere/);
    await daemon.ok(["rm", "-f", "target"]);
    await assertNoLeaks(daemon);
  },
);
