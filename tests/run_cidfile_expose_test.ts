import { deepStrictEqual, match } from "node:assert/strict";
import { assertNoLeaks, integrationTest } from "./helpers/harness.ts";

integrationTest(
  "--cidfile gets the new container's id and is refused when it exists; --expose fills ExposedPorts",
  async (daemon) => {
    const cidFile = `${daemon.dir}/cid`;
    const id = (await daemon.ok([
      "run",
      "-d",
      "--cidfile",
      cidFile,
      "--expose",
      "80",
      "--expose",
      "8000-8001/udp",
      "busybox",
      "sleep",
      "1000",
    ])).trim();
    deepStrictEqual(await Deno.readTextFile(cidFile), id);
    deepStrictEqual(
      await daemon.ok(["inspect", "-f", "{{json .Config.ExposedPorts}}", id]),
      '{"80/tcp":{},"8000/udp":{},"8001/udp":{}}\n',
    );

    const again = await daemon.berth(["run", "-d", "--cidfile", cidFile, "busybox", "true"]);
    deepStrictEqual(again.code, 125);
    match(again.stderr, /Container ID file found, make sure the other container isn't running/);
    deepStrictEqual(await Deno.readTextFile(cidFile), id, "the file is left as it was");

    // A create that fails leaves no file behind.
    const failed = await daemon.berth(["create", "--cidfile", `${cidFile}2`, "nosuchimage:1"]);
    deepStrictEqual(failed.code, 125);
    deepStrictEqual(await Deno.stat(`${cidFile}2`).then(() => true, () => false), false);

    const badPort = await daemon.berth(["run", "--expose", "99999", "busybox", "true"]);
    deepStrictEqual(badPort.code, 125);
    match(badPort.stderr, /invalid range format for --expose: 99999/);

    deepStrictEqual((await daemon.ok(["ps", "-aq"])).trim(), id.slice(0, 12));
    await daemon.ok(["rm", "-f", id]);
    await assertNoLeaks(daemon);
  },
);
