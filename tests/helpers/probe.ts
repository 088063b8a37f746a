/**
 * The breakout battery's probe (syscall_probe.c), compiled static once per
 * test process so that it runs in any image.
 * @module
 */

import { REPO, runCommand, testArtifact } from "./harness.ts";

/** The path of the probe binary, compiled on first use. */
export function syscallProbe(): Promise<string> {
  return testArtifact("probe", async (path) => {
    const result = await runCommand("bash", [
      "-c",
      `cc -static -O2 -o '${path}' '${REPO}/tests/helpers/syscall_probe.c'`,
    ]);
    if (result.code !== 0) throw new Error(`compiling the probe failed: ${result.stderr}`);
  });
}
