/**
 * berth's I/O benchmark: container stdout through `berth run` (the shim,
 * the log, the attach stream, the CLI) against the bare runtime writing to
 * the same place; `berth exec` against a bare `<runtime> exec` in the same
 * container; attach-to-first-byte against the CLI's own boot. Medians of
 * runs alternated in one invocation. `deno task bench` runs it after the
 * start-up benchmark.
 * @module
 */

import { parseArgs } from "node:util";
import { BERTH, TestDaemon } from "../tests/helpers/harness.ts";
import { bareBundle, timed, writeResults } from "./bench_support.ts";
import { alternate, formatMs, ratio, summarize, type Summary } from "./stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "5" } },
});
const RUNS = Math.max(3, Number(values.runs));
const MB = 200;

const WRITERS: Record<string, string[]> = {
  "dd if=/dev/zero bs=1M count=200": ["dd", "if=/dev/zero", "bs=1M", `count=${MB}`],
  "head -c 200000000 /dev/zero": ["head", "-c", `${MB * 1_000_000}`, "/dev/zero"],
};

function mbPerSecond(summary: Summary, megabytes: number): string {
  return `${(megabytes / (summary.median / 1000)).toFixed(0)} MB/s`;
}

/** Milliseconds until `berth attach` prints its first byte. */
async function attachToFirstByte(host: string, name: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 250));
  const started = performance.now();
  const child = new Deno.Command(BERTH, {
    args: ["-H", host, "attach", "--no-stdin", "--sig-proxy=false", name],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read();
  const elapsed = performance.now() - started;
  child.kill("SIGKILL");
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  await child.status;
  return elapsed;
}

const rows: string[][] = [];
const raw: Record<string, unknown> = {};
const daemon = await TestDaemon.start("runc");
try {
  await daemon.importBusybox();
  for (const [label, args] of Object.entries(WRITERS)) {
    const bundle = await bareBundle(daemon, daemon.dir, args);
    let bareCount = 0;
    console.error(`${label}: ${RUNS} rounds`);
    const times = await alternate(
      ["berth json-file", "berth --log-driver none", "bare runc run"],
      RUNS,
      (name) => {
        if (name === "bare runc run") {
          return timed("bash", [
            "-c",
            `runc --root '${daemon.dir}/bare-root' run --bundle '${bundle}' b${++bareCount} >/dev/null`,
          ]);
        }
        const logDriver = name.endsWith("none") ? "--log-driver none" : "";
        return timed("bash", [
          "-c",
          `'${BERTH}' -H '${daemon.host}' run --rm ${logDriver} busybox ${
            args.join(" ")
          } >/dev/null`,
        ]);
      },
    );
    const summaries = Object.fromEntries(
      Object.entries(times).map(([name, values]) => [name, summarize(values)]),
    ) as Record<string, Summary>;
    raw[label] = summaries;
    const bare = summaries["bare runc run"];
    for (const name of ["berth json-file", "berth --log-driver none"]) {
      const berth = summaries[name];
      rows.push([
        `run --rm busybox ${label} > /dev/null (${name.slice(6)})`,
        `${formatMs(berth)}, ${mbPerSecond(berth, MB)}`,
        `bare \`runc run\`: ${formatMs(bare)}, ${mbPerSecond(bare, MB)}`,
        ratio(berth.median, bare.median),
        `+${(berth.median - bare.median).toFixed(0)} ms`,
      ]);
    }
  }

  console.error(`exec true: ${RUNS * 3} rounds`);
  await daemon.ok([
    "run",
    "-d",
    "--name",
    "target",
    "busybox",
    "sh",
    "-c",
    "while true; do echo tick; usleep 20000; done",
  ]);
  const id = (await daemon.ok(["inspect", "-f", "{{.Id}}", "target"])).trim();
  const execs = await alternate(
    ["berth exec", "runc exec"],
    RUNS * 3,
    (name) =>
      name === "berth exec"
        ? timed(BERTH, ["-H", daemon.host, "exec", "target", "true"])
        : timed("runc", ["--root", `${daemon.runRoot}/runtime-runc`, "exec", id, "true"]),
  );
  const berthExec = summarize(execs["berth exec"]);
  const bareExec = summarize(execs["runc exec"]);
  raw.exec = { berth: berthExec, bare: bareExec };
  rows.push([
    "exec ID true",
    formatMs(berthExec),
    `bare \`runc exec\`: ${formatMs(bareExec)}`,
    ratio(berthExec.median, bareExec.median),
    `+${(berthExec.median - bareExec.median).toFixed(1)} ms`,
  ]);

  console.error(`attach to first byte: ${RUNS * 3} rounds`);
  const attaches = await alternate(
    ["attach", "berth --version"],
    RUNS * 3,
    (name) =>
      name === "attach" ? attachToFirstByte(daemon.host, "target") : timed(BERTH, ["--version"]),
  );
  const attach = summarize(attaches["attach"]);
  const boot = summarize(attaches["berth --version"]);
  raw.attach = { attach, boot };
  rows.push([
    "attach to first byte (a line every 20 ms)",
    formatMs(attach),
    `\`berth --version\` (CLI boot): ${formatMs(boot)}`,
    ratio(attach.median, boot.median),
    `+${(attach.median - boot.median).toFixed(1)} ms`,
  ]);
  await daemon.ok(["rm", "-f", "target"]);
} finally {
  await daemon.cleanup();
}
await writeResults("io", RUNS, rows, raw);
