import { deepStrictEqual, rejects } from "node:assert/strict";
import { extractLocal } from "../../cli/local_extract.ts";
import { runCommand } from "../helpers/harness.ts";
import { buildTar, streamOf } from "../helpers/tar_writer.ts";

Deno.test("cp's local extraction: renames the top entry, refuses escapes and symlink tricks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "local-extract-test-" });
  const victim = await Deno.makeTempDir({ prefix: "local-extract-victim-" });
  try {
    await extractLocal(
      streamOf(buildTar([
        { path: "d/", type: "directory", mode: 0o750 },
        { path: "d/f", content: "x", mode: 0o640 },
        { path: "d/hard", type: "hardlink", linkPath: "d/f" },
      ])),
      dir,
      "renamed",
    );
    deepStrictEqual(await Deno.readTextFile(`${dir}/renamed/f`), "x");
    deepStrictEqual((await Deno.stat(`${dir}/renamed/f`)).mode! & 0o777, 0o640);
    deepStrictEqual((await Deno.stat(`${dir}/renamed`)).mode! & 0o777, 0o750);
    deepStrictEqual((await Deno.stat(`${dir}/renamed/hard`)).nlink, 2);
    await runCommand("ln", ["-s", victim, `${dir}/s`]);
    for (
      const [entries, message] of [
        [[{ path: `${victim}/x`, content: "x" }], /absolute path/],
        [[{ path: "../../x", content: "x" }], /leaves the target/],
        // A symlink already on the way (the CLI's own symlinks need an
        // unscoped grant this test does not have; the integration test copies one).
        [[{ path: "s/x", content: "x" }], /through the symlink/],
      ] as const
    ) {
      await rejects(extractLocal(streamOf(buildTar([...entries])), dir), message);
    }
    deepStrictEqual([...Deno.readDirSync(victim)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(victim, { recursive: true });
  }
});
