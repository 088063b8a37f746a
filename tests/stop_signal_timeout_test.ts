import { deepStrictEqual, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

const TRAP_TERM = 'trap "echo got TERM; exit 0" TERM; echo ready; while true; do sleep 0.1; done';

integrationTest("stop sends SIGTERM and a handler can exit cleanly", async (daemon) => {
  await daemon.ok(["run", "-d", "--name", "polite", "busybox", "sh", "-c", TRAP_TERM]);
  await daemon.waitForLog("polite", "ready");
  deepStrictEqual(await daemon.ok(["stop", "polite"]), "polite\n");
  deepStrictEqual(await daemon.ok(["logs", "polite"]), "ready\ngot TERM\n");
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "polite"]), "0\n");
  await daemon.ok(["rm", "polite"]);
  await assertNoLeaks(daemon);
});

integrationTest("stop falls back to SIGKILL after the timeout", async (daemon) => {
  // sleep as pid 1 has no handler: the kernel ignores SIGTERM for it.
  await daemon.ok(["run", "-d", "--name", "stubborn", "busybox", "sleep", "1000"]);
  const started = performance.now();
  await daemon.ok(["stop", "-t", "1", "stubborn"]);
  const elapsed = performance.now() - started;
  ok(elapsed >= 900, `stop returned after ${elapsed} ms, before the 1 s timeout`);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "stubborn"]), "137\n");
  await daemon.ok(["rm", "stubborn"]);
  await assertNoLeaks(daemon);
});

integrationTest("--stop-signal and --stop-timeout of the container are used", async (daemon) => {
  await daemon.ok([
    "run",
    "-d",
    "--name",
    "usr1",
    "--stop-signal",
    "SIGUSR1",
    "--stop-timeout",
    "30",
    "busybox",
    "sh",
    "-c",
    'trap "echo got USR1; exit 5" USR1; echo ready; while true; do sleep 0.1; done',
  ]);
  await daemon.waitForLog("usr1", "ready");
  await daemon.ok(["stop", "usr1"]);
  deepStrictEqual(await daemon.ok(["logs", "usr1"]), "ready\ngot USR1\n");
  deepStrictEqual(
    await daemon.ok([
      "inspect",
      "-f",
      "{{.State.ExitCode}} {{.Config.StopSignal}} {{.Config.StopTimeout}}",
      "usr1",
    ]),
    "5 SIGUSR1 30\n",
  );
  // Stopping a stopped container succeeds and changes nothing.
  deepStrictEqual(await daemon.ok(["stop", "usr1"]), "usr1\n");
  await daemon.ok(["rm", "usr1"]);
});

integrationTest("kill -s sends the named signal", async (daemon) => {
  await daemon.ok([
    "run",
    "-d",
    "--name",
    "hup",
    "busybox",
    "sh",
    "-c",
    'trap "echo got HUP; exit 9" HUP; echo ready; while true; do sleep 0.1; done',
  ]);
  await daemon.waitForLog("hup", "ready");
  await daemon.ok(["kill", "-s", "HUP", "hup"]);
  deepStrictEqual(await daemon.ok(["wait", "hup"]), "9\n");
  deepStrictEqual(await daemon.ok(["logs", "hup"]), "ready\ngot HUP\n");
  const again = await daemon.berth(["kill", "hup"]);
  deepStrictEqual(again.code, 1);
  ok(again.stderr.includes("is not running"), again.stderr);
  await daemon.ok(["rm", "hup"]);
});

integrationTest(
  "stop -s and restart -s send that signal (berth and the docker CLI); inspect --size counts the writable layer",
  async (daemon) => {
    const TRAP_HUP = 'trap "echo got HUP; exit 0" HUP; echo ready; while true; do sleep 0.1; done';
    await daemon.ok(["run", "-d", "--name", "hup", "busybox", "sh", "-c", TRAP_HUP]);
    await daemon.waitForLog("hup", "ready");
    deepStrictEqual(await daemon.ok(["stop", "-s", "HUP", "hup"]), "hup\n");
    deepStrictEqual(await daemon.ok(["logs", "hup"]), "ready\ngot HUP\n");
    deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "hup"]), "0\n");
    await daemon.ok(["start", "hup"]);
    await daemon.ok(["restart", "-s", "HUP", "hup"]);
    deepStrictEqual(
      (await daemon.ok(["logs", "hup"])).match(/got HUP/g)?.length,
      2,
      "restart -s HUP reached the trap",
    );
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const docker = await runCommand("docker", ["stop", "-s", "KILL", "hup"], { env });
    deepStrictEqual([docker.code, docker.stdout], [0, "hup\n"], docker.stderr);
    deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "hup"]), "137\n");
    // SIGKILL was the signal asked for, not the fallback after the timeout.
    ok(!(await daemon.log()).includes("did not stop in time"), "stop -s KILL waited");

    await daemon.ok([
      "run",
      "--name",
      "writer",
      "busybox",
      "sh",
      "-c",
      "head -c 50000 /dev/zero > /f",
    ]);
    const size = await runCommand(
      "docker",
      ["inspect", "--size", "-f", "{{.SizeRw}}", "writer"],
      { env },
    );
    ok(Number(size.stdout) >= 50000, `SizeRw ${size.stdout.trim()}`);
    await daemon.ok(["rm", "hup", "writer"]);
    await assertNoLeaks(daemon);
  },
);
