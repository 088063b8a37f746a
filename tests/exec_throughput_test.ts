import { deepStrictEqual } from "node:assert/strict";
import { assertNoLeaks, byteCountAndMd5, integrationTest, runCommand } from "./helpers/harness.ts";

const BYTES = 500_000_000;
const PRODUCE = `yes 'exec stream 0123456789 abcdefghijklmnopqrstuvwxyz' | head -c ${BYTES}`;

integrationTest(
  "500 MB through exec, with and without a tty, arrive exact",
  async (daemon) => {
    const expected = await byteCountAndMd5(`${PRODUCE} || true`);
    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);

    deepStrictEqual(
      await byteCountAndMd5(daemon.commandLine(`exec box sh -c "${PRODUCE}"`)),
      expected,
      "without a tty",
    );
    // A tty turns \n into \r\n unless told not to.
    deepStrictEqual(
      await byteCountAndMd5(daemon.commandLine(`exec -t box sh -c "stty -onlcr; ${PRODUCE}"`)),
      expected,
      "with a tty",
    );
    // Exit codes come through both ways.
    deepStrictEqual((await daemon.berth(["exec", "box", "sh", "-c", "exit 7"])).code, 7);
    deepStrictEqual((await daemon.berth(["exec", "-t", "box", "sh", "-c", "exit 9"])).code, 9);

    await daemon.ok(["rm", "-f", "box"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "stdin reaches run -i and exec -i, and its end is the process's EOF",
  async (daemon) => {
    const piped = await runCommand("bash", [
      "-c",
      `echo data | ${daemon.commandLine("run -i --rm busybox md5sum")}`,
    ]);
    deepStrictEqual([piped.code, piped.stdout], [0, "6137cde4893c59f76f005a8123d8e8e6  -\n"]);

    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);
    const input = new Uint8Array(3_000_000).map((_, i) => (i * 7) % 251);
    const expected = await runCommand("md5sum", [], { stdin: input });
    const execed = await daemon.berth(["exec", "-i", "box", "md5sum"], { stdin: input });
    deepStrictEqual([execed.code, execed.stdout], [0, expected.stdout]);

    await daemon.ok(["rm", "-f", "box"]);
    await assertNoLeaks(daemon);
  },
);
