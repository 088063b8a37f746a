import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";

const KB100 = "v".repeat(100_000);

async function post(daemon: TestDaemon, path: string, body: unknown) {
  const response = await daemon.api("POST", path, JSON.stringify(body));
  return { status: response.status, body: await response.json() };
}

integrationTest(
  "big exec and create configs reach the process whole; what execve would refuse is a 400 before anything starts",
  async (daemon) => {
    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);
    // ~300 KB of environment: past what one socket write takes, within ARG_MAX.
    const lengths = 'echo ${#A} ${#B} ${#C} "$0"';
    const env = ["-e", `A=${KB100}`, "-e", `B=${KB100}`, "-e", `C=${KB100}`];
    deepStrictEqual(
      await daemon.ok(["exec", ...env, "box", "sh", "-c", lengths, "x".repeat(100_000)]),
      `100000 100000 100000 ${"x".repeat(100_000)}\n`,
    );
    deepStrictEqual(
      await daemon.ok(["run", "--rm", ...env, "busybox", "sh", "-c", lengths, "run"]),
      "100000 100000 100000 run\n",
    );

    // One argument past MAX_ARG_STRLEN, or all of them past ARG_MAX: refused.
    const huge = "x".repeat(1024 * 1024);
    const created = await post(daemon, "/containers/create", {
      Image: "busybox",
      Cmd: ["echo", huge],
    });
    deepStrictEqual(created.status, 400);
    match(
      created.body.message,
      /argument list too long: argument 1 of the command is 1048576 bytes/,
    );
    const manyEnv = Array.from({ length: 20 }, (_, index) => `V${index}=${"e".repeat(120_000)}`);
    const tooMuch = await post(daemon, "/containers/create", {
      Image: "busybox",
      Cmd: ["true"],
      Env: manyEnv,
    });
    deepStrictEqual(tooMuch.status, 400);
    match(tooMuch.body.message, /argument list too long: .* at most 2\.0 MiB \(ARG_MAX/);
    const bigVariable = await post(daemon, "/containers/create", {
      Image: "busybox",
      Cmd: ["true"],
      Env: [`BIG=${"e".repeat(200_000)}`],
    });
    deepStrictEqual(bigVariable.status, 400);
    match(bigVariable.body.message, /the environment variable BIG is 200004 bytes/);
    deepStrictEqual((await daemon.ok(["ps", "-aq"])).trim().split("\n").length, 1);

    const exec = await post(daemon, "/containers/box/exec", { Cmd: ["echo", huge] });
    deepStrictEqual(exec.status, 400);
    match(exec.body.message, /argument list too long/);
    const execEnv = await post(daemon, "/containers/box/exec", { Cmd: ["true"], Env: manyEnv });
    deepStrictEqual(execEnv.status, 400);

    // A bigger stack limit gives a bigger ARG_MAX, as the kernel does (a quarter of it).
    const bigStack = await post(daemon, "/containers/create", {
      Image: "busybox",
      Cmd: ["sh", "-c", "echo ${#V0} ${#V19}"],
      Env: manyEnv,
      HostConfig: { Ulimits: [{ Name: "stack", Soft: 32 * 1024 * 1024, Hard: 32 * 1024 * 1024 }] },
    });
    deepStrictEqual(bigStack.status, 201, JSON.stringify(bigStack.body));
    await daemon.ok(["start", bigStack.body.Id]);
    deepStrictEqual(await daemon.ok(["wait", bigStack.body.Id]), "0\n");
    deepStrictEqual(await daemon.ok(["logs", bigStack.body.Id]), "120000 120000\n");
    await daemon.ok(["rm", "-f", "box", bigStack.body.Id]);
    await assertNoLeaks(daemon);
  },
);
