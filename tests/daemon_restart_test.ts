import { deepStrictEqual, match, ok } from "node:assert/strict";
import { PROTOCOL_VERSION } from "../protocol/shim_protocol.ts";
import { parseRfc3339 } from "../protocol/timestamp.ts";
import { ShimConnection } from "../runtime/shims/shim_client.ts";
import { berthInBackground } from "./helpers/background.ts";
import {
  assertNoLeaks,
  eventually,
  integrationTest,
  processAlive,
  runCommand,
} from "./helpers/harness.ts";

const COUNTER =
  'trap "exit 0" TERM; i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.05; done';

function ticks(log: string): number[] {
  return log.trim().split("\n").map((line) => Number(/^tick (\d+)$/.exec(line)![1]));
}

integrationTest(
  "running containers survive kill -9 of the daemon and stay manageable",
  async (daemon) => {
    const id =
      (await daemon.ok(["run", "-d", "--name", "survivor", "busybox", "sh", "-c", COUNTER])).trim();
    await daemon.waitForLog("survivor", "tick 3");
    const pid = await daemon.ok(["inspect", "-f", "{{.State.Pid}}", id]);

    await daemon.kill9();
    // The container goes on writing while nobody serves the API.
    const before = ticks(
      await Deno.readTextFile(`${daemon.root}/containers/${id}/${id}-json.log`).then(
        (text) => text.trim().split("\n").map((line) => JSON.parse(line).log).join(""),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await daemon.startProcess();

    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.Pid}}", id]),
      `running ${pid}`,
    );
    const follower = daemon.berth(["logs", "-f", "--tail", "1", id], { timeoutMs: 20_000 });
    const waiter = daemon.berth(["wait", id], { timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await daemon.ok(["stop", id]);
    deepStrictEqual((await waiter).stdout, "0\n");
    const followed = await follower;
    deepStrictEqual(followed.code, 0);
    ok(followed.stdout.split("\n").length > 3, "logs -f saw no new lines");

    // Every tick is in the log: nothing was lost while the daemon was down.
    const all = ticks(await daemon.ok(["logs", id]));
    ok(
      all.length > before.length + 10,
      `only ${all.length - before.length} ticks while the daemon was down`,
    );
    all.forEach((value, index) => deepStrictEqual(value, index));
    await daemon.ok(["rm", id]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "a container that exits while the daemon is down keeps its exit code and time",
  async (daemon) => {
    const id = (await daemon.ok(["run", "-d", "busybox", "sh", "-c", "sleep 1; exit 42"])).trim();
    await daemon.kill9();
    const killedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const restartAt = Date.now();
    await daemon.startProcess();
    deepStrictEqual(
      await daemon.ok([
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}",
        id,
      ]),
      "exited 42 \n",
    );
    const finished = parseRfc3339(
      (await daemon.ok(["inspect", "-f", "{{.State.FinishedAt}}", id])).trim(),
    );
    ok(finished > killedAt && finished < restartAt, "FinishedAt is not the real exit time");
    deepStrictEqual(await daemon.ok(["wait", id]), "42\n");
    await daemon.ok(["rm", id]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "a container whose shim was killed gets exit code 255 and State.Error",
  async (daemon) => {
    // Killed while the daemon is down...
    const downId = (await daemon.ok(["run", "-d", "busybox", "sleep", "1000"])).trim();
    const downPid = Number(await daemon.ok(["inspect", "-f", "{{.State.Pid}}", downId]));
    await daemon.kill9();
    await runCommand("kill", ["-9", String(await daemon.shimPid(downId))]);
    await daemon.startProcess();
    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", downId]),
      "exited 255\n",
    );
    match(await daemon.ok(["inspect", "-f", "{{.State.Error}}", downId]), /shim died unexpectedly/);
    await eventually(
      async () => !(await processAlive(downPid)),
      5000,
      "the orphaned container to be killed",
    );

    // ...and while the daemon runs.
    const upId = (await daemon.ok(["run", "-d", "busybox", "sleep", "1000"])).trim();
    const upPid = Number(await daemon.ok(["inspect", "-f", "{{.State.Pid}}", upId]));
    await runCommand("kill", ["-9", String(await daemon.shimPid(upId))]);
    await eventually(
      async () => (await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", upId])) === "255\n",
      5000,
      "exit code 255",
    );
    match(await daemon.ok(["inspect", "-f", "{{.State.Error}}", upId]), /shim died unexpectedly/);
    await eventually(
      async () => !(await processAlive(upPid)),
      5000,
      "the orphaned container to be killed",
    );

    await daemon.ok(["rm", downId, upId]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "a stopped daemon (SIGTERM) leaves containers running; the next one manages them",
  async (daemon) => {
    const id = (await daemon.ok(["run", "-d", "busybox", "sleep", "1000"])).trim();
    await daemon.stop();
    await daemon.startProcess();
    deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.Status}}", id]), "running\n");
    deepStrictEqual(
      (await daemon.berth(["run", "--rm", "busybox", "echo", "still works"])).stdout,
      "still works\n",
    );
    await daemon.ok(["rm", "-f", id]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "standby shims never outlive their daemon; a created container survives a restart",
  async (daemon) => {
    const created =
      (await daemon.ok(["create", "--name", "later", "busybox", "echo", "started later"])).trim();
    const standby = async () =>
      (await runCommand("pgrep", ["-f", `${daemon.runRoot}/c/`])).stdout.trim();
    await eventually(async () => (await standby()) !== "", 5000, "the pool to fill");
    // kill -9: the standby shims notice their daemon is gone and quit.
    await daemon.kill9();
    await eventually(async () => (await standby()) === "", 5000, "standby shims to quit");
    await daemon.startProcess();
    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "later"]),
      "created 0\n",
    );
    deepStrictEqual(await daemon.ok(["start", "-a", "later"]), "started later\n");
    // SIGTERM: the daemon shuts its pool down itself.
    await eventually(async () => (await standby()) !== "", 5000, "the pool to fill again");
    await daemon.stop();
    deepStrictEqual(await standby(), "");
    await daemon.startProcess();
    await daemon.ok(["rm", created]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "a daemon that dies between a shim's create and start: the next one undoes the start",
  async (daemon) => {
    const id = (await daemon.ok(["create", "busybox", "echo", "started later"])).trim();
    const stateDir = `${daemon.runRoot}/c/${id}`;
    await eventually(
      () => Deno.stat(`${stateDir}/control.sock`).then(() => true, () => false),
      5000,
      "the container's shim",
    );
    // What the daemon sends first when it starts a container that the
    // runtime runs in one call at start; it dies before the start.
    const shim = await ShimConnection.connect(`${stateDir}/control.sock`);
    await shim.hello();
    const created = await shim.create({
      protocol: PROTOCOL_VERSION,
      id,
      bundle: `${daemon.root}/containers/${id}/bundle`,
      stateDir,
      runtime: { name: "runc", path: "/usr/sbin/runc", root: `${daemon.runRoot}/runtime-runc` },
      tty: false,
      openStdin: false,
      stdinOnce: false,
      libcPath: "/lib/x86_64-linux-gnu/libc.so.6", // the shim has its own from argv
      runDetached: true,
    });
    deepStrictEqual([created.state, created.pid], ["created", undefined]);
    shim.close();
    await daemon.kill9();
    await daemon.startProcess();

    await eventually(
      async () => (await daemon.ok(["inspect", "-f", "{{.State.Status}}", id])) === "exited\n",
      10_000,
      "the interrupted start to be undone",
    );
    match(await daemon.ok(["inspect", "-f", "{{.State.Error}}", id]), /interrupted/);
    deepStrictEqual(await daemon.ok(["start", "-a", id]), "started later\n");
    await daemon.ok(["rm", id]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "an attacher connected when the daemon is killed can attach again; the container never noticed",
  async (daemon) => {
    const id = (await daemon.ok(["run", "-d", "--name", "watched", "busybox", "sh", "-c", COUNTER]))
      .trim();
    const pid = await daemon.ok(["inspect", "-f", "{{.State.Pid}} {{.State.StartedAt}}", id]);
    const first = berthInBackground(daemon, ["attach", "--no-stdin", id]);
    try {
      await daemon.waitForAttachSessions(1);
      await first.waitForStdout("tick");
      await daemon.kill9();
      // The attacher loses its connection and says so.
      deepStrictEqual(
        await first.exited(),
        1,
        "the attach ends with an error when the daemon dies",
      );
      match(first.stderr, /lost the connection to the daemon/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await daemon.startProcess();
    } finally {
      await first.dispose();
    }
    const second = berthInBackground(daemon, ["attach", "--no-stdin", id]);
    try {
      await daemon.waitForAttachSessions(2);
      await second.waitForStdout("tick");
      const seen = ticks(second.stdout.slice(0, second.stdout.lastIndexOf("\n") + 1));
      // Consecutive ticks: the live stream is the container's, uninterrupted.
      deepStrictEqual(seen, seen.map((_, i) => seen[0] + i));
    } finally {
      await second.dispose();
    }
    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{.State.Pid}} {{.State.StartedAt}}", id]),
      pid,
      "same process, same start",
    );
    // The log has every tick from 0 on: nothing lost while the daemon was down.
    await daemon.ok(["stop", id]);
    const all = ticks(await daemon.ok(["logs", id]));
    deepStrictEqual(all, all.map((_, i) => i));
    await daemon.ok(["rm", id]);
    await assertNoLeaks(daemon);
  },
);
