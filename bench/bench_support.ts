/**
 * What the benchmark's cases share: timing a command after an idle pause,
 * and a bare OCI bundle equivalent to berth's for the baseline runs.
 * @module
 */

import { busyboxRootfs, runCommand, type TestDaemon } from "../tests/helpers/harness.ts";

/** Idle time before each measurement, so every system starts from the same quiet machine. */
const SETTLE_MS = 250;

/** Milliseconds the shell command line `line` takes (it must succeed; stdout is discarded), after an idle pause. */
export async function timedShell(line: string, env?: Record<string, string>): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const started = performance.now();
  const result = await runCommand("bash", ["-c", `exec ${line} >/dev/null`], {
    env,
    timeoutMs: 300_000,
  });
  const elapsed = performance.now() - started;
  if (result.code !== 0) throw new Error(`${line} failed (${result.code}): ${result.stderr}`);
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
  // As every engine's containers in the bench: no network (a namespace of its own).
  const id = (await daemon.ok(["create", "--network", "none", "busybox", "true"])).trim();
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
