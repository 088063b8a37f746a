import { deepStrictEqual, match, notDeepStrictEqual, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  BERTH,
  eventually,
  integrationTest,
  processAlive,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";

/** State dirs waiting in standby (the pool's). */
async function standbyDirs(daemon: TestDaemon): Promise<number> {
  const listed = await runCommand("bash", [
    "-c",
    `ls -d ${daemon.runRoot}/c/*/standby 2>/dev/null | wc -l`,
  ]);
  return Number(listed.stdout.trim());
}

async function runDetached(daemon: TestDaemon, args: string[]): Promise<string> {
  return (await daemon.ok(["run", "-d", "busybox", ...args])).trim();
}

integrationTest(
  "containers share a shim group; each exits on its own and the group serves the rest",
  async (daemon) => {
    // The pool boots one group of 8 state dirs; the next containers take them.
    await eventually(async () => await standbyDirs(daemon) >= 8, 10_000, "the pool's group");
    const quick = await runDetached(daemon, ["sh", "-c", "echo bye; exit 5"]);
    const first = await runDetached(daemon, ["sh", "-c", "echo one; sleep 1000"]);
    const second = await runDetached(daemon, ["sh", "-c", "echo two; sleep 1000"]);
    const pid = await daemon.shimPid(first);
    deepStrictEqual(await daemon.shimPid(second), pid);
    deepStrictEqual(await daemon.ok(["wait", quick]), "5\n");
    deepStrictEqual(await daemon.ok(["logs", quick]), "bye\n");
    await daemon.ok(["rm", quick]);

    // The others never noticed: their shim serves them on.
    ok(await processAlive(pid), "the group's shim quit with its first container");
    await daemon.waitForLog(first, "one");
    deepStrictEqual(await daemon.ok(["exec", second, "echo", "exec works"]), "exec works\n");
    await daemon.ok(["stop", "-t", "0", first]);
    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", first, second]),
      "exited 137\nrunning 0\n",
    );
    deepStrictEqual(await daemon.ok(["logs", second]), "two\n");
    await daemon.ok(["rm", "-f", first, second]);
    await assertNoLeaks(daemon);
  },
  { daemonFlags: ["--shim-group-size", "8"] },
);

integrationTest(
  "a killed group shim costs each of its containers exit code 255 and State.Error",
  async (daemon) => {
    await eventually(async () => await standbyDirs(daemon) >= 8, 10_000, "the pool's group");
    const ids = [
      await runDetached(daemon, ["sleep", "1000"]),
      await runDetached(daemon, ["sleep", "1000"]),
    ];
    const pid = await daemon.shimPid(ids[0]);
    deepStrictEqual(await daemon.shimPid(ids[1]), pid);
    await runCommand("kill", ["-9", String(pid)]);
    for (const id of ids) {
      await eventually(
        async () => (await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", id])) === "255\n",
        5000,
        `exit code 255 of ${id}`,
      );
      match(await daemon.ok(["inspect", "-f", "{{.State.Error}}", id]), /shim died unexpectedly/);
    }
    // The pool's other state dirs died with that shim: new containers still start.
    const next = await runDetached(daemon, ["sh", "-c", "echo still here"]);
    deepStrictEqual(await daemon.ok(["wait", next]), "0\n");
    deepStrictEqual(await daemon.ok(["logs", next]), "still here\n");
    await daemon.ok(["rm", ...ids, next]);
    await assertNoLeaks(daemon);
  },
  { daemonFlags: ["--shim-group-size", "8"] },
);

integrationTest(
  "by default every container has a shim of its own",
  async (daemon) => {
    const ids = [
      await runDetached(daemon, ["sleep", "1000"]),
      await runDetached(daemon, ["sleep", "1000"]),
      await runDetached(daemon, ["sleep", "1000"]),
    ];
    const pids = await Promise.all(ids.map((id) => daemon.shimPid(id)));
    deepStrictEqual(new Set(pids).size, 3, `shared shims: ${pids}`);
    notDeepStrictEqual(pids[0], 0);
    await daemon.ok(["rm", "-f", ...ids]);
    await assertNoLeaks(daemon);
  },
);

Deno.test("the daemon refuses a shim group size outside 1 to 16", async () => {
  for (const size of ["0", "17", "two"]) {
    const result = await runCommand(BERTH, [
      "daemon",
      "--root",
      "/tmp/berth-never-made",
      "--shim-group-size",
      size,
    ]);
    deepStrictEqual(result.code, 2, `--shim-group-size ${size}`);
    match(result.stderr, /--shim-group-size must be a whole number from 1 to 16/);
  }
  ok(!(await runCommand("ls", ["/tmp/berth-never-made"])).stdout, "a root was made");
});
