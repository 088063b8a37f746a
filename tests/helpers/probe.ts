/**
 * The breakout battery's probe (syscall_probe.c), compiled static once per
 * test process so that it runs in any image.
 * @module
 */

import { REPO, runCommand } from "./harness.ts";

let built: Promise<string> | undefined;

/** The path of the probe binary, compiled on first use. */
export function syscallProbe(): Promise<string> {
  built ??= (async () => {
    const path = `/tmp/berth-probe-${Deno.pid}`;
    const result = await runCommand("bash", [
      "-c",
      `cc -static -O2 -o '${path}' '${REPO}/tests/helpers/syscall_probe.c'`,
    ]);
    if (result.code !== 0) throw new Error(`compiling the probe failed: ${result.stderr}`);
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(path);
      } catch {
        // already gone
      }
    });
    return path;
  })();
  return built;
}
