/**
 * What the benchmarks share: timing a command after an idle pause, a bare
 * OCI bundle equivalent to berth's for baseline runs, writing results.
 * @module
 */

import { busyboxRootfs, REPO, runCommand, type TestDaemon } from "../tests/helpers/harness.ts";
import { markdownTable } from "./stats.ts";

/** Idle time before each measurement, so every system starts from the same quiet machine. */
const SETTLE_MS = 250;

/** Milliseconds `command` takes (it must succeed), after an idle pause. */
export async function timed(command: string, args: string[]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const started = performance.now();
  const result = await runCommand(command, args);
  const elapsed = performance.now() - started;
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return elapsed;
}

/**
 * A bundle equivalent to berth's (its own spec, the rootfs as a plain
 * directory) running `args`.
 */
export async function bareBundle(
  daemon: TestDaemon,
  dir: string,
  args: string[],
): Promise<string> {
  const id = (await daemon.ok(["create", "busybox", "true"])).trim();
  await daemon.ok(["start", "-a", id]);
  const containerDir = `${daemon.root}/containers/${id}`;
  const spec = JSON.parse(await Deno.readTextFile(`${containerDir}/bundle/config.json`));
  const bundle = `${dir}/bare-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(`${bundle}/rootfs`, { recursive: true });
  const extracted = await runCommand("tar", [
    "-xf",
    await busyboxRootfs(),
    "-C",
    `${bundle}/rootfs`,
  ]);
  if (extracted.code !== 0) throw new Error(`extracting the rootfs failed: ${extracted.stderr}`);
  for (const file of ["hostname", "hosts", "resolv.conf"]) {
    await Deno.copyFile(`${containerDir}/${file}`, `${bundle}/${file}`);
  }
  spec.root.path = `${bundle}/rootfs`;
  spec.process.args = args;
  for (const mount of spec.mounts) {
    if (mount.type === "bind") mount.source = `${bundle}/${mount.source.split("/").at(-1)}`;
  }
  spec.linux.cgroupsPath = `${daemon.cgroupParent}/bare`;
  await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify(spec));
  await daemon.ok(["rm", id]);
  return bundle;
}

/** Print the table and keep it, with the raw figures, in bench/results/. */
export async function writeResults(
  name: string,
  runs: number,
  rows: string[][],
  raw: Record<string, unknown>,
): Promise<void> {
  const host = Deno.hostname();
  const stamp = new Date().toISOString().slice(0, 16).replace(":", "");
  const table = markdownTable(["case", "berth", "baseline", "ratio", "added"], rows);
  const header = `# berth ${name} benchmark, ${
    new Date().toISOString()
  } on ${host} (${navigator.hardwareConcurrency} cpus), ${runs} runs\n\n`;
  console.log(header + table);
  await Deno.mkdir(`${REPO}/bench/results`, { recursive: true });
  await Deno.writeTextFile(`${REPO}/bench/results/${stamp}-${name}-${host}.md`, header + table);
  await Deno.writeTextFile(
    `${REPO}/bench/results/${stamp}-${name}-${host}.json`,
    JSON.stringify({ host, runs, ...raw }, null, 2) + "\n",
  );
}
