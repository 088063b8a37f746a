/**
 * Case 5: `exec ID true` latency, and the time from `attach` to the first
 * byte of output, in a container that prints a line every 20 ms.
 * @module
 */

import { BERTH } from "../../tests/helpers/harness.ts";
import { timedShell } from "../bench_support.ts";
import { type Engine, engineOk, shellLine } from "../engines.ts";
import type { Comparison } from "../report.ts";
import { alternate, summarizeAll } from "../stats.ts";
import { allEngines, type BenchContext, peerPairs } from "./context.ts";

const TICKER = "while true; do echo tick; usleep 20000; done";

/** Milliseconds until `engine`'s `attach` prints its first byte. */
async function attachToFirstByte(engine: Engine, id: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 250));
  const [command, ...global] = engine.cli;
  const started = performance.now();
  const child = new Deno.Command(command, {
    args: [...global, "attach", "--no-stdin", "--sig-proxy=false", id],
    env: engine.env,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  const { done } = await reader.read();
  const elapsed = performance.now() - started;
  child.kill("SIGKILL");
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  await child.status;
  if (done) throw new Error(`${engine.name}: attach printed nothing`);
  return elapsed;
}

/** Exec and attach timings on every engine; rows against the peers and the bare runtime. */
export async function execAttachCase(context: BenchContext): Promise<Comparison[]> {
  const engines = allEngines(context);
  const targets = new Map<string, string>();
  try {
    for (const engine of engines) {
      const id = (await engineOk(engine, [
        "run",
        "-d",
        ...engine.runFlags,
        "busybox",
        "sh",
        "-c",
        TICKER,
      ])).trim();
      targets.set(engine.name, id);
    }
    const berthRuncId = targets.get(context.berthRunc.name)!;
    const systems = new Map<string, () => Promise<number>>();
    for (const engine of engines) {
      const line = shellLine(engine, ["exec", targets.get(engine.name)!, "true"]);
      systems.set(engine.name, () => timedShell(line, engine.env));
    }
    const runtimeRoot = `${context.daemon.runRoot}/runtime-runc`;
    systems.set(
      "runc exec",
      () => timedShell(`runc --root ${runtimeRoot} exec ${berthRuncId} true`),
    );
    console.error(`exec true: ${context.runs} rounds of ${[...systems.keys()].join(", ")}`);
    const execs = await alternate(
      [...systems.keys()],
      context.runs,
      (name) => systems.get(name)!(),
    );
    const execSummaries = summarizeAll(execs);

    const attachers = new Map<string, () => Promise<number>>();
    for (const engine of engines) {
      attachers.set(engine.name, () => attachToFirstByte(engine, targets.get(engine.name)!));
    }
    attachers.set("berth --version", () => timedShell(`${BERTH} --version`));
    console.error(`attach to first byte: ${context.runs} rounds`);
    const attaches = await alternate(
      [...attachers.keys()],
      context.runs,
      (name) => attachers.get(name)!(),
    );
    const attachSummaries = summarizeAll(attaches);
    context.raw.exec = execSummaries;
    context.raw.attach = attachSummaries;

    const rows: Comparison[] = [];
    const pairs: [Engine, string][] = peerPairs(context).map(([berth, peer]) => [berth, peer.name]);
    for (const [berth, peer] of [...pairs, [context.berthRunc, "runc exec"] as [Engine, string]]) {
      rows.push({
        case: "exec ID true",
        unit: "ms",
        berth: { system: berth.name, summary: execSummaries[berth.name] },
        peer: { system: peer, summary: execSummaries[peer] },
      });
    }
    const attachPairs = [...pairs, [context.berthRunc, "berth --version"] as [Engine, string]];
    for (const [berth, peer] of attachPairs) {
      rows.push({
        case: "attach to first byte (a line every 20 ms)",
        chart: "attach, first byte",
        unit: "ms",
        berth: { system: berth.name, summary: attachSummaries[berth.name] },
        peer: {
          system: peer === "berth --version" ? "berth --version (CLI boot)" : peer,
          summary: attachSummaries[peer],
        },
      });
    }
    return rows;
  } finally {
    for (const engine of engines) {
      const id = targets.get(engine.name);
      if (id) await engineOk(engine, ["rm", ...engine.removeFlags, id]).catch(() => {});
    }
  }
}
