import { deepStrictEqual, doesNotMatch, match, ok } from "node:assert/strict";
import { berthInBackground } from "./helpers/background.ts";
import {
  assertNoLeaks,
  eventually,
  integrationTest,
  processAlive,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";

/** The state dir of the shim serving exec `id` (in `x/`, or a pooled one in `c/`). */
async function execStateDir(daemon: TestDaemon, id: string): Promise<string | undefined> {
  for (const dir of [`${daemon.runRoot}/x`, `${daemon.runRoot}/c`]) {
    for await (const entry of Deno.readDir(dir)) {
      const config = await Deno.readTextFile(`${dir}/${entry.name}/shim.json`).catch(() => "");
      if (config && JSON.parse(config).id === id) return `${dir}/${entry.name}`;
    }
  }
  return undefined;
}

async function startExec(daemon: TestDaemon, cmd: string[]): Promise<string> {
  const created = await daemon.api(
    "POST",
    "/containers/box/exec",
    JSON.stringify({ Cmd: cmd }),
  );
  const { Id: id } = await created.json();
  const started = await daemon.api("POST", `/exec/${id}/start`, JSON.stringify({ Detach: true }));
  deepStrictEqual(started.status, 200);
  return id;
}

async function inspectExec(daemon: TestDaemon, id: string) {
  const response = await daemon.api("GET", `/exec/${id}/json`);
  return { status: response.status, body: await response.json() };
}

/** The container's processes, as `top` lists them. */
async function processes(daemon: TestDaemon): Promise<string> {
  return await daemon.ok(["top", "box", "-o", "pid,args"]);
}

integrationTest(
  "an exec's processes never outlive its shim; after a restart running execs are followed again and ended ones leave no state",
  async (daemon) => {
    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);

    // A shim killed under a running exec (and the child it started).
    const doomed = await startExec(daemon, ["sh", "-c", "sleep 1001 & sleep 1002; wait"]);
    await eventually(async () => /sleep 1002/.test(await processes(daemon)), 10_000, "the exec");
    const dir = (await execStateDir(daemon, doomed))!;
    const shimPid = Number(await Deno.readTextFile(`${dir}/shim.pid`));
    await runCommand("kill", ["-9", String(shimPid)]);
    await eventually(async () => (await inspectExec(daemon, doomed)).body.Running === false);
    deepStrictEqual((await inspectExec(daemon, doomed)).body.ExitCode, 255);
    await eventually(async () => !/sleep 100[12]/.test(await processes(daemon)), 5_000, "no exec");
    await eventually(async () => !(await execStateDir(daemon, doomed)), 12_000, "its dir gone");

    // While the daemon is down: one exec ends, one's shim is killed, one goes on.
    const ending = await startExec(daemon, ["sleep", "1"]);
    const killed = await startExec(daemon, ["sh", "-c", "sleep 1003 & sleep 1004; wait"]);
    const running = await startExec(daemon, ["sleep", "1005"]);
    await eventually(async () => /sleep 1004/.test(await processes(daemon)), 10_000, "the execs");
    const killedShim = Number(
      await Deno.readTextFile(`${await execStateDir(daemon, killed)}/shim.pid`),
    );
    const endingDir = (await execStateDir(daemon, ending))!;
    await daemon.kill9();
    await runCommand("kill", ["-9", String(killedShim)]);
    await eventually(() => Deno.stat(`${endingDir}/exit.json`).then(() => true, () => false));
    await daemon.startProcess();
    deepStrictEqual(await execStateDir(daemon, ending), undefined);
    deepStrictEqual(await execStateDir(daemon, killed), undefined);
    const top = await processes(daemon);
    doesNotMatch(top, /sleep 100[34]/);
    match(top, /sleep 1005/);
    const followed = await inspectExec(daemon, running);
    deepStrictEqual(followed.status, 200);
    deepStrictEqual(followed.body.Running, true);
    deepStrictEqual(followed.body.ProcessConfig.entrypoint, "sleep");
    // It is still followed: its exit is recorded and its dir goes.
    const runningDir = (await execStateDir(daemon, running))!;
    const runningShim = Number(await Deno.readTextFile(`${runningDir}/shim.pid`));
    const pid = followed.body.Pid as number;
    ok(pid > 0 && await processAlive(pid));
    await runCommand("kill", ["-TERM", String(pid)]);
    await eventually(async () => (await inspectExec(daemon, running)).body.Running === false);
    deepStrictEqual((await inspectExec(daemon, running)).body.ExitCode, 143);
    await eventually(async () => !(await processAlive(runningShim)), 12_000, "the shim gone");
    deepStrictEqual(await execStateDir(daemon, running), undefined);

    // An exec whose client is gone keeps running, as with docker.
    const exec = berthInBackground(daemon, ["exec", "box", "sleep", "1006"]);
    await eventually(async () => /sleep 1006/.test(await processes(daemon)));
    await exec.dispose();
    match(await processes(daemon), /sleep 1006/);
    await daemon.ok(["rm", "-f", "box"]);
    await assertNoLeaks(daemon);
  },
);
