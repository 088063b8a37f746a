import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, eventually, integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest(
  "healthchecks: starting, healthy, unhealthy after the retries, a timeout, events and ps, and probing goes on after a daemon kill -9",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    // Healthy while /tmp/ok exists; the test flips it with exec.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "web",
      "--health-cmd",
      "cat /tmp/ok",
      "--health-interval",
      "200ms",
      "--health-retries",
      "2",
      "busybox",
      "sleep",
      "300",
    ]);
    const status = async () => (await daemon.ok(["ps", "--format", "{{.Status}}"])).trim();
    const health = async () =>
      JSON.parse(await daemon.ok(["inspect", "-f", "{{json .State.Health}}", "web"]));
    match(await status(), /^Up .* \((health: starting|unhealthy)\)$/);
    await daemon.ok(["exec", "web", "sh", "-c", "echo fine > /tmp/ok"]);
    await eventually(async () => (await health()).Status === "healthy", 10_000, "healthy");
    const healthy = await health();
    deepStrictEqual([healthy.FailingStreak, healthy.Log.at(-1).ExitCode], [0, 0]);
    deepStrictEqual(healthy.Log.at(-1).Output, "fine\n");
    ok(healthy.Log.length <= 5);
    const dockerPs = await runCommand("docker", ["ps", "--format", "{{.Status}}"], { env });
    match(dockerPs.stdout, /^Up .* \(healthy\)\n$/);
    deepStrictEqual(
      await daemon.ok(["ps", "-f", "health=healthy", "--format", "{{.Names}}"]),
      "web\n",
    );

    // Two failures in a row make it unhealthy; the events say when.
    await daemon.ok(["exec", "web", "rm", "/tmp/ok"]);
    await eventually(async () => (await health()).Status === "unhealthy", 10_000, "unhealthy");
    ok((await health()).FailingStreak >= 2);
    const events = await daemon.ok([
      "events",
      "--since",
      "1m",
      "--until",
      "0s",
      "--filter",
      "event=health_status",
      "--format",
      "{{.Action}}",
    ]);
    match(events, /health_status: healthy\n(.*\n)*health_status: unhealthy\n/);

    // The daemon dies; the health of its containers is still followed after.
    await daemon.kill9();
    await daemon.ok(["exec", "web", "sh", "-c", "echo back > /tmp/ok"]).catch(() => {});
    await daemon.startProcess();
    await daemon.ok(["exec", "web", "sh", "-c", "echo back > /tmp/ok"]);
    await eventually(async () => (await health()).Status === "healthy", 10_000, "healthy again");
    deepStrictEqual((await health()).Log.at(-1).Output, "back\n");

    // A probe that runs past its timeout fails with docker's message.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "slow",
      "--health-cmd",
      "sleep 5",
      "--health-interval",
      "200ms",
      "--health-timeout",
      "300ms",
      "--health-retries",
      "1",
      "busybox",
      "sleep",
      "300",
    ]);
    await eventually(
      async () =>
        (await daemon.ok(["inspect", "-f", "{{.State.Health.Status}}", "slow"])).trim() ===
          "unhealthy",
      10_000,
      "a timed-out probe",
    );
    const slow = JSON.parse(await daemon.ok(["inspect", "-f", "{{json .State.Health}}", "slow"]));
    match(slow.Log[0].Output, /^Health check exceeded timeout \(0\.3s\)$/);
    deepStrictEqual(slow.Log[0].ExitCode, -1);

    // Bad settings are refused before anything is made.
    const bad = await daemon.berth([
      "run",
      "--health-cmd",
      "true",
      "--health-interval",
      "10us",
      "busybox",
    ]);
    deepStrictEqual(bad.code, 125);
    match(bad.stderr, /Interval in Healthcheck cannot be less than 1ms/);
    const conflict = await daemon.berth([
      "run",
      "--no-healthcheck",
      "--health-cmd",
      "x",
      "busybox",
    ]);
    deepStrictEqual(conflict.code, 125);
    match(conflict.stderr, /--no-healthcheck conflicts with --health-\* options/);

    await daemon.ok(["rm", "-f", "web", "slow"]);
    await assertNoLeaks(daemon);
  },
);
