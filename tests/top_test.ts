import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest } from "./helpers/harness.ts";

/** Rows of `berth top` output, split on whitespace (the CMD column is kept whole). */
function table(text: string, columns: number): string[][] {
  return text.trim().split("\n").map((line) => {
    const cells = line.trim().split(/\s+/);
    return [...cells.slice(0, columns - 1), cells.slice(columns - 1).join(" ")];
  });
}

integrationTest(
  "top lists the container's processes with the default args, aux and -o pid,comm",
  async (daemon) => {
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "topbox",
      "busybox",
      "sh",
      "-c",
      "sleep 1000 & sleep 2000",
    ]);
    const init = (await daemon.ok(["inspect", "-f", "{{.State.Pid}}", "topbox"])).trim();

    const byDefault = table(await daemon.ok(["top", "topbox"]), 8);
    deepStrictEqual(byDefault[0], ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    deepStrictEqual(byDefault.length, 3, "the init and its child, nothing of the host");
    const [initRow, childRow] = byDefault.slice(1);
    deepStrictEqual([initRow[1], initRow[7]], [init, "sleep 2000"]);
    deepStrictEqual([childRow[2], childRow[7]], [init, "sleep 1000"]);
    const child = childRow[1];

    const aux = table(await daemon.ok(["top", "topbox", "aux"]), 11);
    deepStrictEqual(aux[0].slice(0, 3), ["USER", "PID", "%CPU"]);
    deepStrictEqual(aux.slice(1).map((row) => [row[1], row[10]]), [
      [init, "sleep 2000"],
      [child, "sleep 1000"],
    ]);

    deepStrictEqual(table(await daemon.ok(["top", "topbox", "-o", "pid,comm"]), 2), [
      ["PID", "COMMAND"],
      [init, "sleep"],
      [child, "sleep"],
    ]);

    // ps's own complaint comes back as the error.
    const bad = await daemon.berth(["top", "topbox", "--no-such-option"]);
    ok(bad.code !== 0);
    match(bad.stderr, /ps/i);

    await daemon.ok(["stop", "-t", "1", "topbox"]);
    const stopped = await daemon.berth(["top", "topbox"]);
    deepStrictEqual(stopped.code, 1);
    match(stopped.stderr, /is not running/);
    await daemon.ok(["rm", "topbox"]);
    await assertNoLeaks(daemon);
  },
);
