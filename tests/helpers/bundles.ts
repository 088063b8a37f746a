/**
 * The launcher runs the bundles in dist/ when they are there: tests build
 * them again when any source is newer, so they never test stale code.
 * @module
 */

const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const SOURCE_DIRS = ["cli", "runtime", "shim", "protocol", "lib"];
const BUNDLES = ["cli.js", "daemon.js", "shim.js"];

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) newest = Math.max(newest, await newestSource(path));
    else if (entry.name.endsWith(".ts")) {
      newest = Math.max(newest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
    }
  }
  return newest;
}

async function oldestBundle(): Promise<number> {
  let oldest = Infinity;
  for (const name of BUNDLES) {
    try {
      oldest = Math.min(oldest, (await Deno.stat(`${REPO}/dist/${name}`)).mtime?.getTime() ?? 0);
    } catch {
      return 0;
    }
  }
  return oldest;
}

async function rebuildIfStale(): Promise<void> {
  const sources = await Promise.all(SOURCE_DIRS.map((dir) => newestSource(`${REPO}/${dir}`)));
  if (Math.max(...sources) <= await oldestBundle()) return;
  const build = await new Deno.Command("bash", {
    args: [`${REPO}/scripts/build.sh`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!build.success) throw new Error("scripts/build.sh failed");
}

let checked: Promise<void> | undefined;

/** Make sure dist/ holds bundles of the current sources (once per test process). */
export function ensureFreshBundles(): Promise<void> {
  return checked ??= rebuildIfStale();
}
