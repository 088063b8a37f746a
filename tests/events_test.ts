import { deepStrictEqual, match } from "node:assert/strict";
import { BackgroundCommand, berthInBackground } from "./helpers/background.ts";
import { assertNoLeaks, integrationTest } from "./helpers/harness.ts";

integrationTest(
  "events: a container's life, volumes and tags in order, live and replayed with --since/--until and filters, for berth and the docker CLI",
  async (daemon) => {
    const start = (Date.now() / 1000).toFixed(3);
    const live = berthInBackground(daemon, [
      "events",
      "--filter",
      "type=container",
      "--format",
      "{{.Action}} {{.Actor.Attributes.name}}",
    ]);
    const docker = new BackgroundCommand("docker", [
      "events",
      "--filter",
      "event=die",
      "--format",
      "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}",
    ], { DOCKER_HOST: daemon.host, DOCKER_CONFIG: `${daemon.dir}/docker-config` });
    try {
      await new Promise((resolve) => setTimeout(resolve, 700)); // both are listening
      await daemon.ok(["run", "--name", "one", "-l", "team=a", "busybox", "sh", "-c", "exit 3"])
        .catch(() => {});
      await daemon.ok(["rename", "one", "two"]);
      await daemon.ok(["rm", "two"]);
      await daemon.ok(["volume", "create", "vol"]);
      await daemon.ok(["volume", "rm", "vol"]);
      await daemon.ok(["tag", "busybox", "other:tag"]);
      await live.waitForStdout("destroy two");
      await docker.waitForStdout("die one 3");
      deepStrictEqual(live.stdout, "create one\nstart one\ndie one\nrename two\ndestroy two\n");
      deepStrictEqual(docker.stdout, "die one 3\n");
    } finally {
      await live.dispose();
      await docker.dispose();
    }
    const until = (Date.now() / 1000 + 0.001).toFixed(3);
    const replay = (...args: string[]) =>
      daemon.ok(["events", "--since", start, "--until", until, ...args]);
    // The same, replayed: every type, then filtered by label and by volume.
    const replayed = await replay("--format", "{{.Type}} {{.Action}}");
    deepStrictEqual(
      replayed,
      [
        "container create",
        "container start",
        "container die",
        "container rename",
        "container destroy",
        "volume create",
        "volume destroy",
        "image tag",
        "",
      ].join("\n"),
    );
    match(
      await replay("--filter", "label=team=a", "--filter", "event=die"),
      /^\d{4}-\d\d-\d\dT[\d:.]+Z container die [0-9a-f]{64} \(exitCode=3, image=busybox, name=one, team=a\)\n$/,
    );
    deepStrictEqual(
      await replay("--filter", "volume=vol", "--format", "{{.Action}}"),
      "create\ndestroy\n",
    );
    // An exec's life, on its container.
    const execStart = (Date.now() / 1000).toFixed(3);
    await daemon.ok(["run", "-d", "--name", "ex", "busybox", "sleep", "100"]);
    deepStrictEqual((await daemon.berth(["exec", "ex", "sh", "-c", "exit 4"])).code, 4);
    const execEvents = await daemon.ok([
      "events",
      "--since",
      execStart,
      "--until",
      (Date.now() / 1000 + 0.001).toFixed(3),
      "--filter",
      "container=ex",
      "--format",
      "{{.Action}}",
    ]);
    deepStrictEqual(
      execEvents,
      "create\nstart\nexec_create: sh -c exit 4\nexec_start: sh -c exit 4\nexec_die\n",
    );
    await daemon.ok(["rm", "-f", "ex"]);
    const bad = await daemon.berth(["events", "--since", "yesterday-ish"]);
    deepStrictEqual(bad.code, 1);
    match(bad.stderr, /invalid value for since/);
    await assertNoLeaks(daemon);
  },
);
