import { deepStrictEqual, match, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  busyboxRootfs,
  eventually,
  integrationTest,
  REPO,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import {
  closeQuietly,
  connectUnix,
  rawRequest,
  readAtLeast,
  readHead,
  sendQuietly,
} from "./helpers/raw_http.ts";

/** berth's first release (see its README), bundled. */
const FIRST_RELEASE = `${REPO}/tests/fixtures/berth-90fc6ef`;

/** `deno run` of one of the first release's bundles (the tests may run deno through bash). */
function runFirstRelease(args: string[]) {
  return runCommand("bash", [
    "-c",
    'exec deno run --no-prompt --quiet --no-config "$@"',
    "deno",
    ...args,
  ]);
}

/**
 * Run the first release's daemon on `daemon`'s root, socket and cgroup
 * parent, with its own shim, as its launcher did; resolves once it answers.
 */
async function startFirstRelease(daemon: TestDaemon): Promise<Deno.ChildProcess> {
  const flags = [
    "--root",
    daemon.root,
    "--run-root",
    daemon.runRoot,
    "--host",
    daemon.host,
    "--default-runtime",
    daemon.runtime,
    "--cgroup-parent",
    daemon.cgroupParent,
  ];
  const permissions = await runFirstRelease([
    "--allow-env=PATH",
    `${FIRST_RELEASE}/daemon_permissions.js`,
    `${FIRST_RELEASE}/shim.js`,
    ...flags,
  ]);
  deepStrictEqual(permissions.code, 0, permissions.stderr);
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `exec deno run --no-prompt --quiet --no-config ${
        permissions.stdout.trim().split("\n").join(" ")
      } '${FIRST_RELEASE}/berth.js' daemon ${flags.join(" ")} >> '${daemon.dir}/old.log' 2>&1`,
    ],
    env: { BERTH_SHIM_ENTRY: `${FIRST_RELEASE}/shim.js`, DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await eventually(() => daemon.ping(), 20_000, "the first release's daemon");
  return child;
}

/** The first release's CLI, on the same socket. */
async function oldBerth(daemon: TestDaemon, args: string[]): Promise<string> {
  const result = await runFirstRelease([
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    `${FIRST_RELEASE}/berth.js`,
    "-H",
    daemon.host,
    ...args,
  ]);
  deepStrictEqual(result.code, 0, `old berth ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Attach to `name` (raw, a tty), send `input`, and read until `expected` shows. */
async function attachAndType(
  daemon: TestDaemon,
  name: string,
  input: string,
  expected: RegExp,
): Promise<void> {
  const conn = await connectUnix(daemon.socket);
  try {
    await sendQuietly(
      conn,
      rawRequest("POST", `/containers/${name}/attach?stream=1&stdin=1&stdout=1&stderr=1`, {
        headers: { Connection: "Upgrade", Upgrade: "tcp" },
      }).head,
    );
    match(await readHead(conn), /^HTTP\/1\.1 101 /);
    await sendQuietly(conn, new TextEncoder().encode(input));
    let seen = "";
    const deadline = Date.now() + 10_000;
    while (!expected.test(seen) && Date.now() < deadline) {
      const bytes = await readAtLeast(conn, 1, deadline - Date.now());
      if (bytes.length === 0) break;
      seen += new TextDecoder().decode(bytes);
    }
    match(seen, expected);
  } finally {
    closeQuietly(conn);
  }
}

integrationTest(
  "containers started by berth's first release (its daemon and its shims) are managed by today's daemon",
  async (daemon) => {
    const old = await startFirstRelease(daemon);
    try {
      await oldBerth(daemon, [
        "import",
        "--change",
        'CMD ["sh"]',
        await busyboxRootfs(),
        "busybox",
      ]);
      await oldBerth(daemon, [
        "run",
        "-d",
        "--name",
        "ticker",
        "busybox",
        "sh",
        "-c",
        "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done",
      ]);
      await oldBerth(daemon, ["run", "-dit", "--name", "term", "busybox", "sh"]);
      await oldBerth(daemon, [
        "run",
        "-d",
        "--name",
        "ender",
        "busybox",
        "sh",
        "-c",
        "sleep 2; exit 7",
      ]);
    } finally {
      old.kill("SIGKILL");
      await old.status;
    }
    const tickerPid = (await runCommand("bash", [
      "-c",
      `pgrep -f "${daemon.runRoot}/c/" | head -1`,
    ])).stdout.trim();
    ok(tickerPid, "the first release's shims run on");
    // ender exits while no daemon runs.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await daemon.startProcess();

    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{.Name}} {{.State.Status}}", "ender", "term", "ticker"]),
      "/ender exited\n/term running\n/ticker running\n",
    );
    deepStrictEqual(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "ender"]), "7\n");
    // logs: from the first tick, with no gap, and still growing.
    const ticks = (await daemon.ok(["logs", "ticker"])).trim().split("\n");
    deepStrictEqual(ticks.slice(0, 3), ["tick 0", "tick 1", "tick 2"]);
    ticks.forEach((line, index) => deepStrictEqual(line, `tick ${index}`));
    await daemon.waitForLog("ticker", `tick ${ticks.length + 5}`);
    // exec, top, attach with a resize, in containers of the old shims.
    deepStrictEqual(await daemon.ok(["exec", "ticker", "echo", "exec works"]), "exec works\n");
    match(await daemon.ok(["top", "ticker"]), /while :; do echo tick/);
    const resized = await daemon.api("POST", "/containers/term/resize?h=33&w=111");
    deepStrictEqual(resized.status, 200);
    await attachAndType(daemon, "term", "stty size\n", /33 111/);
    // stop, and an exit recorded while today's daemon runs.
    await daemon.ok(["stop", "-t", "1", "ticker"]);
    deepStrictEqual(
      (await daemon.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ticker"]))
        .trim(),
      "exited 137",
    );
    await daemon.ok(["kill", "term"]);
    await daemon.ok(["wait", "term"]);
    await daemon.ok(["rm", "ticker", "term", "ender"]);
    await daemon.ok(["rmi", "busybox"]);
    await assertNoLeaks(daemon);
    ok(!(await daemon.log()).includes("level=error"), "no errors in today's daemon");
  },
  { started: false },
);
