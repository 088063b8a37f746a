import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, eventually, integrationTest } from "./helpers/harness.ts";

integrationTest(
  "run returns the container's exit code 0 and 3, with stdout and stderr apart",
  async (daemon) => {
    const ok = await daemon.berth(["run", "--rm", "busybox", "echo", "hello"]);
    deepStrictEqual([ok.code, ok.stdout, ok.stderr], [0, "hello\n", ""]);

    const three = await daemon.berth([
      "run",
      "--name",
      "three",
      "busybox",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 3",
    ]);
    deepStrictEqual([three.code, three.stdout, three.stderr], [3, "out\n", "err\n"]);
    const state = await daemon.ok([
      "inspect",
      "-f",
      "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}",
      "three",
    ]);
    deepStrictEqual(state, "exited 3 false\n");
    await daemon.ok(["rm", "three"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest("kill gives exit code 137 and wait reports it", async (daemon) => {
  const id = (await daemon.ok(["run", "-d", "busybox", "sleep", "1000"])).trim();
  match(id, /^[a-f0-9]{64}$/);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", id]), "running\n");
  const waiter = daemon.berth(["wait", id]);
  deepStrictEqual(await daemon.ok(["kill", id]), `${id}\n`);
  deepStrictEqual((await waiter).stdout, "137\n");
  deepStrictEqual(
    await daemon.ok(["inspect", "-f", "{{.State.ExitCode}} {{.State.Pid}}", id]),
    "137 0\n",
  );
  await daemon.ok(["rm", id]);
  await assertNoLeaks(daemon);
});

integrationTest("run --rm leaves no container, mount, shim or cgroup behind", async (daemon) => {
  const result = await daemon.berth(["run", "--rm", "busybox", "sh", "-c", "exit 7"]);
  deepStrictEqual(result.code, 7);
  deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");
  await eventually(async () => (await daemon.leaks()).length === 0, 5000, "no leaks");
});

integrationTest(
  "a failed start keeps the container with exit code 127 and the reason",
  async (daemon) => {
    const result = await daemon.berth(["run", "--name", "nocmd", "busybox", "no-such-command"]);
    deepStrictEqual(result.code, 127);
    match(result.stderr, /executable file not found/);
    const state = await daemon.ok([
      "inspect",
      "-f",
      "{{.State.Status}} {{.State.ExitCode}}",
      "nocmd",
    ]);
    deepStrictEqual(state, "created 127\n");
    await daemon.ok(["rm", "nocmd"]);
    await assertNoLeaks(daemon);
  },
);
