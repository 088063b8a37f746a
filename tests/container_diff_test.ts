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
