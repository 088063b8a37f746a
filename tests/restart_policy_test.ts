import { deepStrictEqual, match, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  eventually,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";

/** `{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}` of a container. */
async function stateOf(daemon: TestDaemon, name: string): Promise<string> {
  return (await daemon.ok([
    "inspect",
    "-f",
    "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}",
    name,
  ])).trim();
}

integrationTest(
  "restart policies: on-failure retries up to its count, always restarts until stopped, and a stop or kill is not undone",
  async (daemon) => {
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "fails",
      "--restart",
      "on-failure:2",
      "busybox",
      "sh",
      "-c",
      "echo try; exit 3",
    ]);
    await eventually(
      async () => (await stateOf(daemon, "fails")) === "exited 2 3",
      15_000,
      "two retries",
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    deepStrictEqual(await stateOf(daemon, "fails"), "exited 2 3", "no third retry");
    deepStrictEqual(await daemon.ok(["logs", "fails"]), "try\ntry\ntry\n");
    // A success is not retried.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "succeeds",
      "--restart",
      "on-failure",
      "busybox",
      "true",
    ]);
    await eventually(
      async () => (await stateOf(daemon, "succeeds")) === "exited 0 0",
      10_000,
      "exit",
    );

    await daemon.ok([
      "run",
      "-d",
      "--name",
      "loop",
      "--restart",
      "always",
      "busybox",
      "sh",
      "-c",
      "echo tick; sleep 0.2",
    ]);
    await eventually(
      async () => (await daemon.ok(["logs", "loop"])).split("tick").length - 1 >= 3,
      15_000,
      "three runs",
    );
    match(
      await daemon.ok(["ps", "--filter", "name=loop", "--format", "{{.Status}}"]),
      /^(Up|Restarting \(0\)) /,
    );
    await daemon.ok(["stop", "-t", "1", "loop"]);
    const stopped = await stateOf(daemon, "loop");
    match(stopped, /^exited \d+ \d+$/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    deepStrictEqual(await stateOf(daemon, "loop"), stopped, "a stopped container stays stopped");

    // kill with the default signal (no stop signal set) is a stop too.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "killed",
      "--restart",
      "always",
      "busybox",
      "sh",
      "-c",
      'trap "exit 0" TERM; while true; do sleep 0.1; done',
    ]);
    await daemon.ok(["kill", "-s", "TERM", "killed"]);
    await eventually(
      async () => (await stateOf(daemon, "killed")).startsWith("exited 0 "),
      10_000,
      "kill",
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    match(await stateOf(daemon, "killed"), /^exited 0 /);

    // Bad policies are refused before anything is made.
    const conflicting = await daemon.berth([
      "run",
      "--rm",
      "--restart",
      "always",
      "busybox",
      "true",
    ]);
    deepStrictEqual(conflicting.code, 125);
    match(conflicting.stderr, /Conflicting options: --restart and --rm/);
    const unknown = await daemon.berth(["create", "--restart", "sometimes", "busybox"]);
    deepStrictEqual(unknown.code, 125);
    match(unknown.stderr, /invalid restart policy 'sometimes'/);
    const retries = await daemon.berth(["create", "--restart", "always:3", "busybox"]);
    deepStrictEqual(retries.code, 125);
    match(retries.stderr, /maximum retry count can only be used with 'on-failure'/);
    deepStrictEqual((await daemon.ok(["ps", "-aq"])).trim().split("\n").length, 4);

    // update changes the policy, by berth and through the docker CLI.
    deepStrictEqual(
      await daemon.ok(["update", "--restart", "unless-stopped", "succeeds"]),
      "succeeds\n",
    );
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const viaDocker = await runCommand("docker", ["update", "--restart", "on-failure:5", "fails"], {
      env,
    });
    deepStrictEqual(viaDocker.code, 0, viaDocker.stderr);
    deepStrictEqual(
      await daemon.ok([
        "inspect",
        "-f",
        "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}",
        "succeeds",
        "fails",
      ]),
      "unless-stopped:0\non-failure:5\n",
    );
    // Limits and the policy are kept apart: a limit leaves the policy as it is.
    const memory = await runCommand("docker", ["update", "--memory", "64m", "fails"], { env });
    deepStrictEqual(memory.code, 0, memory.stderr);
    deepStrictEqual(
      await daemon.ok([
        "inspect",
        "-f",
        "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}",
        "fails",
      ]),
      `${64 * 1024 * 1024} on-failure\n`,
    );

    await daemon.ok(["rm", "-f", "fails", "succeeds", "loop", "killed"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "after a daemon restart, always containers run again and unless-stopped ones a user stopped stay stopped; rm -f ends a restart loop",
  async (daemon) => {
    for (
      const [name, policy] of [["al", "always"], ["us", "unless-stopped"], [
        "usrun",
        "unless-stopped",
      ]]
    ) {
      await daemon.ok([
        "run",
        "-d",
        "--name",
        name,
        "--restart",
        policy,
        "busybox",
        "sleep",
        "1000",
      ]);
    }
    await daemon.ok(["stop", "-t", "0", "al", "us"]);
    await daemon.kill9();
    await daemon.startProcess();
    await eventually(
      async () => (await stateOf(daemon, "al")).startsWith("running"),
      10_000,
      "al to run",
    );
    deepStrictEqual((await stateOf(daemon, "us")).split(" ")[0], "exited");
    deepStrictEqual((await stateOf(daemon, "usrun")).split(" ")[0], "running");

    // A container that fails at once keeps restarting with a growing delay; rm -f ends it.
    await daemon.ok(["run", "-d", "--name", "crashes", "--restart", "always", "busybox", "false"]);
    await eventually(
      async () => Number((await stateOf(daemon, "crashes")).split(" ")[1]) >= 3,
      15_000,
      "three restarts",
    );
    const status = (await stateOf(daemon, "crashes")).split(" ")[0];
    ok(["restarting", "running", "exited"].includes(status), status);
    await daemon.ok(["rm", "-f", "crashes"]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    deepStrictEqual(await daemon.ok(["ps", "-aq", "--filter", "name=crashes"]), "");
    await daemon.ok(["rm", "-f", "al", "us", "usrun"]);
    await assertNoLeaks(daemon);
  },
);
