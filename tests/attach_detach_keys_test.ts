import { deepStrictEqual, match } from "node:assert/strict";
import { berthInBackground } from "./helpers/background.ts";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";

/** A container that echoes every line it reads on stdin. */
async function startEchoContainer(daemon: TestDaemon): Promise<void> {
  await daemon.ok([
    "run",
    "-d",
    "-i",
    "--name",
    "echo",
    "busybox",
    "sh",
    "-c",
    "while read line; do echo got:$line; done",
  ]);
}

/**
 * One attacher types a line, then its detach sequence: it leaves with exit
 * code 0, the container keeps running and the watcher still sees output.
 */
async function detachWhileAnotherWatches(
  daemon: TestDaemon,
  detachArgs: string[],
  sequence: string,
  echoedBeforeDetach = "",
): Promise<void> {
  await startEchoContainer(daemon);
  const watcher = berthInBackground(daemon, ["attach", "--no-stdin", "echo"]);
  const typist = berthInBackground(daemon, ["attach", ...detachArgs, "echo"]);
  try {
    await daemon.waitForAttachSessions(2);
    await typist.write("hello\n");
    await watcher.waitForStdout("got:hello\n");
    await typist.waitForStdout("got:hello\n");

    await typist.write(sequence);
    deepStrictEqual(await typist.exited(), 0, `the typist detaches: ${typist.stderr}`);
    match(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "echo"]), /^running\n$/);

    // The watcher is still attached; a third attacher's input reaches it.
    const third = await daemon.berth(["attach", "echo"], { stdin: "again\n", timeoutMs: 10_000 });
    deepStrictEqual(third.code, 0, third.stderr);
    await watcher.waitForStdout("got:again\n");
    deepStrictEqual(watcher.stdout, `got:hello\n${echoedBeforeDetach}got:again\n`);
    // The detach bytes never reached the container.
    deepStrictEqual(await watcher.runsFor(200), true);
  } finally {
    await Promise.all([watcher.dispose(), typist.dispose()]);
  }
  await daemon.ok(["rm", "-f", "echo"]);
  await assertNoLeaks(daemon);
}

integrationTest(
  "ctrl-p ctrl-q detaches one attacher; the container and the other attacher go on",
  (daemon) => detachWhileAnotherWatches(daemon, [], "\x10\x11"),
);

integrationTest(
  "a custom --detach-keys sequence detaches; the default one is then plain input",
  (daemon) =>
    detachWhileAnotherWatches(
      daemon,
      ["--detach-keys", "ctrl-a,x"],
      "\x10\x11\n\x01x",
      "got:\x10\x11\n",
    ),
);

integrationTest(
  "the daemon's --detach-keys is the default; an empty value disables detaching",
  async (daemon) => {
    await startEchoContainer(daemon);
    const watcher = berthInBackground(daemon, ["attach", "--no-stdin", "echo"]);
    try {
      await daemon.waitForAttachSessions(1);
      const detached = await daemon.berth(["attach", "echo"], { stdin: "one\n\x02d" });
      deepStrictEqual(detached.code, 0, detached.stderr);
      // With detaching off, ctrl-b d is plain input and EOF ends the stdin.
      const plain = await daemon.berth(["attach", "--detach-keys", "", "echo"], {
        stdin: "\x02dtwo\n",
        timeoutMs: 15_000,
      });
      deepStrictEqual(plain.code, 0, plain.stderr);
      await watcher.waitForStdout("got:\x02dtwo\n");
      deepStrictEqual(watcher.stdout, "got:one\ngot:\x02dtwo\n");
    } finally {
      await watcher.dispose();
    }
    await daemon.ok(["rm", "-f", "echo"]);
    await assertNoLeaks(daemon);
  },
  { daemonFlags: ["--detach-keys", "ctrl-b,d"] },
);
