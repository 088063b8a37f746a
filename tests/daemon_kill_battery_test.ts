import { deepStrictEqual, ok } from "node:assert/strict";
import { berthInBackground } from "./helpers/background.ts";
import { assertNoLeaks, eventually, integrationTest, type TestDaemon } from "./helpers/harness.ts";

const CONTAINERS = 30;
const ROUNDS = 3;

/** Container `index` prints `lines` numbered lines, 50 ms apart, then exits with `code`. */
function worker(index: number) {
  const lines = 20 + 12 * index;
  const code = 1 + index % 100;
  return {
    lines,
    code,
    command:
      `i=0; while [ $i -lt ${lines} ]; do echo "w${index} $i"; i=$((i+1)); sleep 0.05; done; exit ${code}`,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

integrationTest(
  "kill -9 of the daemon under 30 logging containers, three times: no container, exit code or log line is lost",
  async (daemon) => {
    const ids = await Promise.all(
      Array.from(
        { length: CONTAINERS },
        async (_, index) =>
          (await daemon.ok([
            "run",
            "-d",
            "--name",
            `w${index}`,
            "busybox",
            "sh",
            "-c",
            worker(index).command,
          ]))
            .trim(),
      ),
    );
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(1500);
      await daemon.kill9();
      // Some containers exit while no daemon runs.
      await sleep(1000);
      await daemon.startProcess();
      deepStrictEqual((await daemon.ok(["ps", "-aq"])).trim().split("\n").length, CONTAINERS);
    }
    await eventually(
      async () => (await daemon.ok(["ps", "-q"])).trim() === "",
      60_000,
      "every worker done",
    );
    for (const [index, id] of ids.entries()) {
      const { lines, code } = worker(index);
      deepStrictEqual(
        (await daemon.ok(["inspect", "-f", "{{.State.ExitCode}} {{.State.Error}}", id])).trim(),
        String(code),
        `w${index}'s exit code`,
      );
      const expected = Array.from({ length: lines }, (_, line) => `w${index} ${line}\n`).join("");
      deepStrictEqual(await daemon.ok(["logs", id]), expected, `w${index}'s log`);
    }
    await daemon.ok(["rm", ...ids]);
    await assertNoLeaks(daemon);
  },
);

/** Every container listed is usable (runs, or starts, and execs); returns how many. */
async function assertAllUsable(daemon: TestDaemon): Promise<number> {
  const ids = (await daemon.ok(["ps", "-aq", "--no-trunc"])).trim().split("\n").filter(Boolean);
  for (const id of ids) {
    const status = (await daemon.ok(["inspect", "-f", "{{.State.Status}}", id])).trim();
    if (status !== "running") await daemon.ok(["start", id]);
    deepStrictEqual(
      await daemon.ok(["exec", id, "echo", "usable"]),
      "usable\n",
      `${id} (${status})`,
    );
  }
  return ids.length;
}

integrationTest(
  "kill -9 of the daemon in the middle of 20 concurrent run -d: every container is usable or absent, nothing leaks",
  async (daemon) => {
    let made = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const startsBefore = (await daemon.log()).split('/start"').length;
      const runs = Array.from(
        { length: 20 },
        () => berthInBackground(daemon, ["run", "-d", "-p", "80", "busybox", "sleep", "1000"]),
      );
      try {
        // Past the first creates, before the last starts.
        await eventually(
          async () => (await daemon.log()).split('/start"').length >= startsBefore + 3,
          20_000,
          "a few starts",
        );
        await daemon.kill9();
        await Promise.all(runs.map((run) => run.exited(30_000).catch(() => -1)));
      } finally {
        await Promise.all(runs.map((run) => run.dispose()));
      }
      await daemon.startProcess();
      made += await assertAllUsable(daemon);
      const left = (await daemon.ok(["ps", "-aq"])).trim().split("\n").filter(Boolean);
      if (left.length > 0) await daemon.ok(["rm", "-f", ...left]);
      await assertNoLeaks(daemon);
    }
    ok(made > 0, "some containers were made before the kills");
  },
);
