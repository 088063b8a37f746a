import { deepStrictEqual, match } from "node:assert/strict";
import { berthInBackground } from "./helpers/background.ts";
import { assertNoLeaks, integrationTest } from "./helpers/harness.ts";

integrationTest(
  "three concurrent attachers see the same output, stdout and stderr apart",
  async (daemon) => {
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "box",
      "busybox",
      "sh",
      "-c",
      "while [ ! -e /tmp/go ]; do sleep 0.05; done; " +
      "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; exit 6",
    ]);
    const attachers = [0, 1, 2].map(() =>
      berthInBackground(daemon, ["attach", "--no-stdin", "box"])
    );
    try {
      await daemon.waitForAttachSessions(3);
      await daemon.ok(["exec", "box", "touch", "/tmp/go"]);
      for (const attacher of attachers) {
        // The attach ends with the container, with its exit code.
        deepStrictEqual(await attacher.exited(), 6);
        deepStrictEqual(attacher.stdout, "out1\nout2\nout3\nout4\nout5\n");
        deepStrictEqual(attacher.stderr, "err1\nerr2\nerr3\nerr4\nerr5\n");
      }
      match(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "box"]), /^6\n$/);
    } finally {
      await Promise.all(attachers.map((attacher) => attacher.dispose()));
    }
    await daemon.ok(["rm", "box"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "past the attacher limit an attach is refused with a clear error",
  async (daemon) => {
    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "100"]);
    const attachers = [0, 1].map(() => berthInBackground(daemon, ["attach", "--no-stdin", "box"]));
    try {
      await daemon.waitForAttachSessions(2);
      const third = await daemon.berth(["attach", "--no-stdin", "box"], { timeoutMs: 10_000 });
      deepStrictEqual(third.code !== 0, true, "the third attach must fail");
      match(third.stderr, /too many attachers|limit/i);
      // The first two are untouched.
      deepStrictEqual(await attachers[0].runsFor(300), true);
    } finally {
      await Promise.all(attachers.map((attacher) => attacher.dispose()));
    }
    await daemon.ok(["rm", "-f", "box"]);
    await assertNoLeaks(daemon);
  },
  { daemonFlags: ["--max-attachers", "2"] },
);
