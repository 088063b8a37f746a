import { deepStrictEqual, match, notDeepStrictEqual, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest } from "./helpers/harness.ts";

const COUNTER = 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.1; done';

integrationTest("rm refuses a running container; rm -f kills and removes it", async (daemon) => {
  await daemon.ok(["run", "-d", "--name", "busy", "busybox", "sleep", "1000"]);
  const refused = await daemon.berth(["rm", "busy"]);
  deepStrictEqual(refused.code, 1);
  match(refused.stderr, /You cannot remove a running container .* Stop the container/);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "busy"]), "running\n");
  deepStrictEqual(await daemon.ok(["rm", "-f", "busy"]), "busy\n");
  deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");
  await assertNoLeaks(daemon);
});

integrationTest("restart stops and starts again, keeping the log", async (daemon) => {
  await daemon.ok([
    "run",
    "-d",
    "--name",
    "again",
    "busybox",
    "sh",
    "-c",
    'echo "start $$"; trap "exit 0" TERM; while true; do sleep 0.1; done',
  ]);
  await daemon.waitForLog("again", "start");
  const before = await daemon.ok(["inspect", "-f", "{{.State.StartedAt}} {{.State.Pid}}", "again"]);
  deepStrictEqual(await daemon.ok(["restart", "-t", "5", "again"]), "again\n");
  await daemon.waitForLog("again", "start 1\nstart 1");
  const after = await daemon.ok(["inspect", "-f", "{{.State.StartedAt}} {{.State.Pid}}", "again"]);
  notDeepStrictEqual(after, before);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "again"]), "running\n");
  // Restart of a stopped container starts it.
  await daemon.ok(["stop", "again"]);
  await daemon.ok(["restart", "again"]);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "again"]), "running\n");
  await daemon.ok(["rm", "-f", "again"]);
  await assertNoLeaks(daemon);
});

integrationTest("pause freezes the processes and unpause thaws them", async (daemon) => {
  await daemon.ok(["run", "-d", "--name", "frozen", "busybox", "sh", "-c", COUNTER]);
  await daemon.waitForLog("frozen", "tick 2");
  await daemon.ok(["pause", "frozen"]);
  deepStrictEqual(
    await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "frozen"]),
    "paused true\n",
  );
  match(await daemon.ok(["ps", "--format", "{{.Status}}"]), /^Up .* \(Paused\)\n$/);
  const frozenLog = await daemon.ok(["logs", "frozen"]);
  await new Promise((resolve) => setTimeout(resolve, 600));
  deepStrictEqual(await daemon.ok(["logs", "frozen"]), frozenLog, "the log grew while paused");

  const twice = await daemon.berth(["pause", "frozen"]);
  deepStrictEqual(twice.code, 1);
  match(twice.stderr, /is already paused/);

  await daemon.ok(["unpause", "frozen"]);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "frozen"]), "running\n");
  const lines = frozenLog.trim().split("\n").length;
  await daemon.waitForLog("frozen", `tick ${lines + 2}`);
  const notPaused = await daemon.berth(["unpause", "frozen"]);
  deepStrictEqual(notPaused.code, 1);
  match(notPaused.stderr, /is not paused/);

  // A paused container can be stopped (it is thawed to take the signal).
  await daemon.ok(["pause", "frozen"]);
  await daemon.ok(["stop", "-t", "1", "frozen"]);
  deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "frozen"]), "exited\n");
  await daemon.ok(["rm", "frozen"]);
  await assertNoLeaks(daemon);
});

integrationTest("rename changes the name everywhere and frees the old one", async (daemon) => {
  const id = (await daemon.ok(["create", "--name", "before", "busybox", "true"])).trim();
  await daemon.ok(["rename", "before", "after"]);
  deepStrictEqual(
    await daemon.ok(["inspect", "-f", "{{.Name}} {{.Id}}", "after"]),
    `/after ${id}\n`,
  );
  const gone = await daemon.berth(["inspect", "before"]);
  deepStrictEqual(gone.code, 1);
  // The old name is free again; the new one is taken.
  await daemon.ok(["create", "--name", "before", "busybox", "true"]);
  const clash = await daemon.berth(["rename", "before", "after"]);
  deepStrictEqual(clash.code, 1);
  match(clash.stderr, /is already in use/);
  ok((await daemon.ok(["ps", "-a", "--format", "{{.Names}}"])).includes("after"));
  await daemon.ok(["rm", "before", "after"]);
  await assertNoLeaks(daemon);
});
