import { deepStrictEqual, match, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  busyboxRootfs,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import { TmuxSession } from "./helpers/tmux.ts";

/** The real docker CLI, pointed at our daemon. */
function docker(daemon: TestDaemon, args: string[], options: { stdin?: string } = {}) {
  return runCommand("docker", args, {
    ...options,
    env: { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` },
  });
}

async function dockerOk(daemon: TestDaemon, args: string[]): Promise<string> {
  const result = await docker(daemon, args);
  if (result.code !== 0) {
    throw new Error(`docker ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

integrationTest(
  "the docker CLI manages images and containers on berth",
  async (daemon, runtime) => {
    match(
      await dockerOk(daemon, ["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"]),
      /^0\.\d+\.\d+ 1\.47\n$/,
    );
    match(
      await dockerOk(daemon, ["info", "--format", "{{.DefaultRuntime}} {{.Driver}}"]),
      new RegExp(`^${runtime} overlay2\n$`),
    );

    const imported = await dockerOk(daemon, [
      "import",
      "-c",
      'CMD ["sh"]',
      await busyboxRootfs(),
      "dbox:1",
    ]);
    match(imported, /^sha256:[a-f0-9]{64}\n$/);
    match(await dockerOk(daemon, ["images", "--format", "{{.Repository}}:{{.Tag}}"]), /dbox:1/);

    // Attached run: stdout and stderr apart, exit code through.
    const attached = await docker(daemon, [
      "run",
      "--name",
      "d1",
      "dbox:1",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 4",
    ]);
    deepStrictEqual([attached.code, attached.stdout, attached.stderr], [4, "out\n", "err\n"]);
    deepStrictEqual(
      await dockerOk(daemon, ["run", "--rm", "dbox:1", "echo", "rm works"]),
      "rm works\n",
    );
    const piped = await docker(daemon, ["run", "-i", "--rm", "dbox:1", "md5sum"], {
      stdin: "via docker\n",
    });
    deepStrictEqual(piped.stdout, "c96342c17fe637c47c54ae7eaf7bcd34  -\n");

    const id = (await dockerOk(daemon, [
      "run",
      "-d",
      "--name",
      "d2",
      "dbox:1",
      "sh",
      "-c",
      "echo up; sleep 100",
    ])).trim();
    match(id, /^[a-f0-9]{64}$/);
    await daemon.waitForLog("d2", "up");
    deepStrictEqual(
      await dockerOk(daemon, ["ps", "--format", "{{.Names}} {{.Image}} {{.Command}}"]),
      'd2 dbox:1 "sh -c \'echo up; sle…"\n',
    );
    deepStrictEqual(await dockerOk(daemon, ["logs", "d2"]), "up\n");
    deepStrictEqual(
      await dockerOk(daemon, ["inspect", "-f", "{{.State.Status}} {{.HostConfig.Runtime}}", "d2"]),
      `running ${runtime}\n`,
    );
    await dockerOk(daemon, ["pause", "d2"]);
    match(await dockerOk(daemon, ["ps", "--format", "{{.Status}}"]), /\(Paused\)/);
    await dockerOk(daemon, ["unpause", "d2"]);
    await dockerOk(daemon, ["stop", "-t", "1", "d2"]);
    deepStrictEqual(await dockerOk(daemon, ["wait", "d2"]), "137\n");
    await dockerOk(daemon, ["rename", "d2", "d3"]);
    await dockerOk(daemon, ["restart", "-t", "1", "d3"]);
    await dockerOk(daemon, ["kill", "d3"]);
    deepStrictEqual(await dockerOk(daemon, ["rm", "d1", "d3"]), "d1\nd3\n");

    await dockerOk(daemon, ["tag", "dbox:1", "dbox:2"]);
    deepStrictEqual(await dockerOk(daemon, ["rmi", "dbox:2"]), "Untagged: dbox:2\n");
    const missing = await docker(daemon, ["run", "--rm", "nosuch:image"]);
    deepStrictEqual(missing.code, 125);
    ok(missing.stderr.includes("Unable to find image"), missing.stderr);
    const notFound = await docker(daemon, ["run", "--rm", "dbox:1", "nosuchcommand"]);
    deepStrictEqual(notFound.code, 127, notFound.stderr);
    deepStrictEqual(await dockerOk(daemon, ["ps", "-aq"]), "");
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "the docker CLI in a terminal: run -it, attach, exec -it, top, logs -f",
  async (daemon) => {
    const env = { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` };
    const terminal = (command: string) =>
      TmuxSession.start(`${daemon.dir}/tmux`, command, { env, cols: 100, rows: 30 });
    const prompt = /^\/ #( |$)/m;

    // docker run -it: prompt, tty size, exit code.
    let screen = await terminal("docker run -it --name dt busybox sh");
    try {
      await screen.waitFor(prompt);
      await screen.type("echo size=$(stty size)");
      await screen.press("Enter");
      deepStrictEqual((await screen.waitFor(/size=(\d+ \d+)/))[1], await screen.paneSize());
      await screen.type("exit 2");
      await screen.press("Enter");
      deepStrictEqual(await screen.exitCode(), 2);
    } finally {
      await screen.kill();
    }

    // docker attach to a running tty container, then detach.
    await dockerOk(daemon, ["run", "-dit", "--name", "da", "busybox", "sh"]);
    screen = await terminal("docker attach da");
    try {
      await screen.press("Enter");
      await screen.waitFor(prompt);
      await screen.type("echo attached-$((40 + 2))");
      await screen.press("Enter");
      await screen.waitFor(/^attached-42$/m);
      await screen.press("C-p", "C-q");
      await screen.waitFor(/EXIT=\d+/);
    } finally {
      await screen.kill();
    }
    deepStrictEqual(
      await dockerOk(daemon, ["inspect", "-f", "{{.State.Running}}", "da"]),
      "true\n",
    );

    // docker exec -it: a shell in the running container.
    screen = await terminal("docker exec -it da sh");
    try {
      await screen.waitFor(prompt);
      await screen.resize(80, 20);
      await screen.type("echo size=$(stty size)");
      await screen.press("Enter");
      deepStrictEqual((await screen.waitFor(/size=(\d+ \d+)/))[1], await screen.paneSize());
      await screen.type("exit 6");
      await screen.press("Enter");
      deepStrictEqual(await screen.exitCode(), 6);
    } finally {
      await screen.kill();
    }

    // docker top.
    const top = await dockerOk(daemon, ["top", "da"]);
    match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
    match(top, /\ssh\n/);

    // docker logs -f follows until the container stops.
    await dockerOk(daemon, [
      "run",
      "-d",
      "--name",
      "dl",
      "busybox",
      "sh",
      "-c",
      "for i in 1 2 3; do echo line$i; sleep 0.3; done",
    ]);
    const followed = await docker(daemon, ["logs", "-f", "dl"]);
    deepStrictEqual([followed.code, followed.stdout], [0, "line1\nline2\nline3\n"]);

    await dockerOk(daemon, ["rm", "-f", "dt", "da", "dl"]);
    await assertNoLeaks(daemon);
  },
);
