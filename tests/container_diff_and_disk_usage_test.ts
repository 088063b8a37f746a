import { deepStrictEqual } from "node:assert/strict";
import { integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest(
  "diff lists what the container added, changed and deleted, not the runtime's mount points",
  async (daemon) => {
    await daemon.ok([
      "run",
      "--name",
      "changer",
      "busybox",
      "sh",
      "-c",
      "mkdir -p /srv/new/sub && echo x > /srv/new/sub/f && rm /etc/group && echo y >> /etc/passwd",
    ]);
    const expected = [
      "C /etc",
      "D /etc/group",
      "C /etc/passwd",
      "A /srv",
      "A /srv/new",
      "A /srv/new/sub",
      "A /srv/new/sub/f",
      "",
    ].join("\n");
    deepStrictEqual(await daemon.ok(["diff", "changer"]), expected);
    const docker = await runCommand("docker", ["diff", "changer"], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual([docker.code, docker.stdout], [0, expected]);
    await daemon.ok(["run", "--name", "quiet", "busybox", "true"]);
    deepStrictEqual(await daemon.ok(["diff", "quiet"]), "");
    const missing = await daemon.berth(["diff", "nosuch"]);
    deepStrictEqual(missing.code, 1);
    await daemon.ok(["rm", "changer", "quiet"]);
  },
);

integrationTest(
  "system df counts images, layers and each container's writable layer",
  async (daemon) => {
    await daemon.ok([
      "run",
      "--name",
      "writer",
      "busybox",
      "sh",
      "-c",
      "head -c 300000 /dev/zero > /big",
    ]);
    const usage = JSON.parse(new TextDecoder().decode(
      new Uint8Array(await (await daemon.api("GET", "/system/df")).arrayBuffer()),
    ));
    deepStrictEqual(usage.Images.length, 1);
    deepStrictEqual(usage.LayersSize, usage.Images[0].Size);
    deepStrictEqual(usage.Containers.length, 1);
    deepStrictEqual(
      usage.Containers[0].SizeRw >= 300_000 && usage.Containers[0].SizeRw < 310_000,
      true,
    );
    const table = await daemon.ok(["system", "df"]);
    deepStrictEqual(table.split("\n")[0].split(/\s{2,}/), [
      "TYPE",
      "TOTAL",
      "ACTIVE",
      "SIZE",
      "RECLAIMABLE",
    ]);
    deepStrictEqual(/^Containers\s+1\s+0\s+30\dkB\s+30\dkB \(100%\)$/m.test(table), true, table);
    const docker = await runCommand("docker", ["system", "df"], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual(docker.code, 0, docker.stderr);
    await daemon.ok(["rm", "writer"]);
  },
);
