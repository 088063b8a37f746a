import { deepStrictEqual, match, ok } from "node:assert/strict";
import { REPO, runCommand } from "./helpers/harness.ts";

/**
 * The launcher in a layout of its own, with `echo` as its deno: what it
 * prints is the module it would run.
 */
async function launch(dir: string): Promise<{ stdout: string; stderr: string }> {
  const result = await runCommand("bash", [
    "-c",
    `BERTH_DENO=echo BERTH_FROM_SOURCE= sh '${dir}/bin/berth' version`,
  ]);
  deepStrictEqual(result.code, 0, result.stderr);
  return result;
}

Deno.test("the launcher runs the sources, and says so, once a source directory is newer than the bundles", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth-launcher-" });
  try {
    const made = await runCommand("bash", [
      "-c",
      `set -e; cd '${dir}'; mkdir -p bin dist cli/commands; cp '${REPO}/bin/berth' bin/
       touch main.ts dist/cli.js; printf 'cli\\ncli/commands\\n' >dist/.source-dirs
       touch -d '-1 hour' cli cli/commands`,
    ]);
    deepStrictEqual(made.code, 0, made.stderr);

    const fresh = await launch(dir);
    match(fresh.stdout, /\/dist\/cli\.js version\n$/);
    deepStrictEqual(fresh.stderr, "");

    // A file replaced in a source directory after the build, as git does.
    await runCommand("bash", ["-c", `touch -d '-1 min' '${dir}/dist/cli.js'`]);
    await Deno.writeTextFile(`${dir}/cli/commands/new.ts`, "");
    const stale = await launch(dir);
    match(stale.stdout, /\/main\.ts version\n$/);
    ok(!stale.stdout.includes("dist/cli.js"), stale.stdout);
    match(stale.stderr, /cli\/commands\/ changed after the last build: running the sources/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
