import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";
import { checkSize, TmuxSession } from "./helpers/tmux.ts";

/** busybox sh's prompt for root, at the end of a line. */
const PROMPT = /^\/ #( |$)/m;

/** Run `scenario` with a terminal that runs `command`, then clean it up. */
async function inTerminal(
  daemon: TestDaemon,
  command: string,
  scenario: (terminal: TmuxSession) => Promise<void>,
): Promise<void> {
  const terminal = await TmuxSession.start(`${daemon.dir}/tmux`, command);
  try {
    await scenario(terminal);
  } finally {
    await terminal.kill();
  }
}

integrationTest(
  "run -it: prompt at once, echo, stty size follows resizes, exit code",
  async (daemon) => {
    await inTerminal(
      daemon,
      daemon.commandLine("run -it --name t1 busybox sh"),
      async (terminal) => {
        await terminal.waitFor(PROMPT);
        await terminal.type('echo "sum=$((6 * 7))"');
        await terminal.press("Enter");
        await terminal.waitFor(/^sum=42$/m);
        // What we type is echoed by the container's tty.
        match(await terminal.screen(), /echo "sum=\$\(\(6 \* 7\)\)"/);
        await checkSize(terminal, "first");
        await terminal.resize(120, 40);
        await checkSize(terminal, "second");
        match(await terminal.paneSize(), /^\d+ 120$/);
        await terminal.type("exit 3");
        await terminal.press("Enter");
        deepStrictEqual(await terminal.exitCode(), 3);
      },
    );
    match(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "t1"]), /^3\n$/);
    await daemon.ok(["rm", "t1"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "attach and exec -it on a tty container: resize, detach, exit code",
  async (daemon) => {
    await daemon.ok(["run", "-dit", "--name", "t2", "busybox", "sh"]);
    await inTerminal(daemon, daemon.commandLine("attach t2"), async (terminal) => {
      await terminal.press("Enter");
      await terminal.waitFor(PROMPT);
      await checkSize(terminal, "attached");
      await terminal.press("C-p", "C-q");
      deepStrictEqual(await terminal.exitCode(), 0);
    });
    match(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "t2"]), /^running\n$/);

    await inTerminal(daemon, daemon.commandLine("exec -it t2 sh"), async (terminal) => {
      await terminal.waitFor(PROMPT);
      await checkSize(terminal, "exec");
      await terminal.resize(90, 20);
      await checkSize(terminal, "resized");
      await terminal.type("exit 5");
      await terminal.press("Enter");
      deepStrictEqual(await terminal.exitCode(), 5);
    });
    match(await daemon.ok(["inspect", "-f", "{{.State.Status}}", "t2"]), /^running\n$/);

    // start -a -i on a stopped tty container.
    await daemon.ok(["stop", "-t", "1", "t2"]);
    await inTerminal(daemon, daemon.commandLine("start -a -i t2"), async (terminal) => {
      await terminal.press("Enter");
      await terminal.waitFor(PROMPT);
      await terminal.type("exit 4");
      await terminal.press("Enter");
      deepStrictEqual(await terminal.exitCode(), 4);
    });
    await daemon.ok(["rm", "-f", "t2"]);
    await assertNoLeaks(daemon);
  },
);
