import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand, TestDaemon } from "./helpers/harness.ts";
import { assertBattery } from "./helpers/breakout.ts";

/** The first host uid and gid berthremap's ranges give container root. */
async function remappedRoot(): Promise<{ uid: number; gid: number }> {
  const start = async (file: string) =>
    Number(/^berthremap:(\d+):/m.exec(await Deno.readTextFile(file))![1]);
  return { uid: await start("/etc/subuid"), gid: await start("/etc/subgid") };
}

/** The owner of a host path, numerically. */
async function owner(path: string): Promise<string> {
  const info = await Deno.stat(path);
  return `${info.uid}:${info.gid}`;
}

integrationTest(
  "--userns-remap default: container root is an unprivileged host uid, images and volumes work unchanged, every escape still fails",
  async (daemon) => {
    // Its root must be reachable for the remapped uid: the test's dir too.
    await Deno.chmod(daemon.dir, 0o711);
    await daemon.startProcess();
    await daemon.importBusybox();
    const root = await remappedRoot();
    // Root inside, for berth and the docker CLI alike.
    deepStrictEqual(await daemon.ok(["run", "--rm", "busybox", "id"]), "uid=0(root) gid=0(root)\n");
    const viaDocker = await runCommand("docker", [
      "-H",
      daemon.host,
      "run",
      "--rm",
      "busybox",
      "id",
    ]);
    deepStrictEqual(viaDocker.stdout, "uid=0(root) gid=0(root)\n", viaDocker.stderr);
    deepStrictEqual(
      (await daemon.ok(["run", "--rm", "busybox", "cat", "/proc/self/uid_map"])).trim().split(
        /\s+/,
      ),
      ["0", String(root.uid), "65536"],
    );
    // An unprivileged uid on the host.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "box",
      "-v",
      "data:/data",
      "-p",
      "80",
      "busybox",
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/data",
    ]);
    const pid = (await daemon.ok(["inspect", "-f", "{{.State.Pid}}", "box"])).trim();
    deepStrictEqual(
      (await runCommand("bash", ["-c", `ps -o uid= -p ${pid}`])).stdout.trim(),
      String(root.uid),
    );
    // What it writes is its root's; the image's files are root's to it.
    await daemon.ok([
      "exec",
      "box",
      "sh",
      "-c",
      "echo served > /data/index.html; touch /made; echo 10.0.0.9 extra >> /etc/hosts",
    ]);
    const volume = JSON.parse(await daemon.ok(["volume", "inspect", "data"]))[0].Mountpoint;
    deepStrictEqual(await owner(`${volume}/index.html`), `${root.uid}:${root.gid}`);
    match(
      await daemon.ok(["exec", "box", "ls", "-ln", "/bin/busybox", "/made"]),
      /0 +0 .*busybox[\s\S]*0 +0 .*made/,
    );
    // Its network: a published port answers.
    const port = (await daemon.ok(["port", "box", "80"])).split("\n")[0].split(":").at(-1);
    const fetched = await runCommand("bash", [
      "-c",
      `busybox wget -q -O - http://127.0.0.1:${port}/`,
    ]);
    deepStrictEqual(fetched.stdout, "served\n");
    // cp, export and commit speak the container's ids, both ways.
    await Deno.writeTextFile(`${daemon.dir}/in.txt`, "copied in\n");
    await daemon.ok(["cp", `${daemon.dir}/in.txt`, "box:/in.txt"]);
    match(await daemon.ok(["exec", "box", "ls", "-ln", "/in.txt"]), /^-rw-r--r-- +1 0 +0 /);
    const listed = await runCommand("bash", [
      "-c",
      `${daemon.commandLine("cp box:/made -")} | tar -tvf -`,
    ]);
    match(listed.stdout, /^-rw-r--r-- 0\/0 /);
    const exported = await runCommand("bash", [
      "-c",
      `${daemon.commandLine("export box")} | tar -tvf - bin/busybox made`,
    ]);
    match(exported.stdout, /0\/0 .* bin\/busybox\n.*0\/0 .* made/);
    await daemon.ok(["commit", "box", "committed"]);
    match(
      await daemon.ok(["run", "--rm", "--userns", "host", "committed", "ls", "-ln", "/made"]),
      /^-rw-r--r-- +1 0 +0 /,
    );
    // --userns host opts out; privileged and the host's namespaces need it, as docker says.
    match(
      await daemon.ok(["run", "--rm", "--userns", "host", "busybox", "cat", "/proc/self/uid_map"]),
      /^\s+0\s+0\s+4294967295/,
    );
    const privileged = await daemon.berth(["run", "--rm", "--privileged", "busybox", "true"]);
    deepStrictEqual(privileged.code, 125);
    match(privileged.stderr, /privileged mode is incompatible with user namespaces/);
    const hostNet = await daemon.berth(["run", "--rm", "--network", "host", "busybox", "true"]);
    match(
      hostNet.stderr,
      /cannot share the host's network namespace when user namespaces are enabled/,
    );
    await daemon.ok(["run", "--rm", "--privileged", "--userns", "host", "busybox", "true"]);
    // Joining its network joins its user namespace.
    match(
      await daemon.ok([
        "run",
        "--rm",
        "--network",
        "container:box",
        "busybox",
        "cat",
        "/proc/self/uid_map",
      ]),
      new RegExp(`^\\s+0\\s+${root.uid}\\s+65536`),
    );
    // Every escape fails here too.
    await assertBattery(daemon);
    // A daemon restart (kill -9) changes nothing; removal leaves no mount.
    await daemon.kill9();
    await daemon.startProcess();
    deepStrictEqual(await daemon.ok(["exec", "box", "cat", "/data/index.html"]), "served\n");
    const info = JSON.parse(await daemon.ok(["info", "--format", "json"]));
    ok(info.SecurityOptions.includes("name=userns"), info.SecurityOptions);
    await daemon.ok(["rm", "-f", "box"]);
    await daemon.ok(["rmi", "committed"]);
    await assertNoLeaks(daemon);
  },
  { daemonFlags: ["--userns-remap", "default"], started: false },
);

integrationTest(
  "--userns-remap refuses a user without subordinate ranges, and a user that does not exist",
  async () => {
    for (
      const [value, expected] of [
        ["nobody", /nobody has no subordinate uid range in \/etc\/subuid/],
        ["no-such-user", /no user no-such-user in \/etc\/passwd/],
        // The test's dir is 0700: container root could not reach the root below it.
        ["default", /cannot reach .*: \/tmp\/bt[0-9a-f]+ is mode 700/],
      ]
    ) {
      const daemon = await TestDaemon.create("runc", ["--userns-remap", value as string]);
      try {
        const failed = await daemon.startProcess().then(() => "", (error) => String(error));
        match(failed, expected as RegExp);
      } finally {
        await daemon.cleanup();
      }
    }
  },
  { runtimes: ["runc"], importImage: false, started: false },
);
