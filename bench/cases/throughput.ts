/**
 * Case 4: container stdout throughput, 200 MB to the terminal's side
 * (`> /dev/null`) from `dd bs=1M` and from busybox `head` (which writes
 * 4 KiB at a time), through each engine's whole path: the monitor, the
 * log and the attached CLI; against the bare runtime writing to the same
 * place. berth runs with each log format: json-file (its default and
 * docker's: every NUL costs 6 bytes of log), k8s-file (podman's default,
 * raw bytes) and none.
 * @module
 */

import { bareBundle, timedShell } from "../bench_support.ts";
import { shellLine } from "../engines.ts";
import type { Comparison, Target } from "../report.ts";
import { alternate, rateOf, summarize } from "../stats.ts";
import type { BenchContext } from "./context.ts";

const MEGABYTES = 200;
/** The least berth must move with dd as the producer. */
const DD_TARGET_MB_S = 400;

/** The producers: dd writes 1 MiB at a time, busybox head 4 KiB. */
export const WRITERS: Record<string, string[]> = {
  dd: ["dd", "if=/dev/zero", "bs=1M", `count=${MEGABYTES}`],
  head: ["head", "-c", `${MEGABYTES * 1_000_000}`, "/dev/zero"],
};

/** Time each writer through every system; rows in MB/s. */
export async function throughputCase(
  context: BenchContext,
  writers: string[],
): Promise<Comparison[]> {
  const rows: Comparison[] = [];
  const berth = context.berthRunc;
  const logless = `${berth.name} --log-driver none`;
  const cri = `${berth.name} --log-driver k8s-file`;
  for (const writer of writers) {
    const args = WRITERS[writer];
    const bundle = await bareBundle(context.daemon, context.workDir, args);
    let bareCount = 0;
    // berth runs as every engine does in the bench (its runtime, no network).
    const berthRun = (...flags: string[]) => () =>
      timedShell(
        shellLine(berth, ["run", "--rm", ...berth.runFlags, ...flags, "busybox", ...args]),
      );
    const systems = new Map<string, () => Promise<number>>([
      [berth.name, berthRun()],
      [cri, berthRun("--log-driver", "k8s-file")],
      [logless, berthRun("--log-driver", "none")],
      [
        "runc run",
        () =>
          timedShell(
            `runc --root ${context.workDir}/bare-runc run --bundle ${bundle} t${++bareCount}`,
          ),
      ],
    ]);
    for (const peer of [context.docker, context.podman]) {
      if (!peer) continue;
      const line = shellLine(peer, ["run", "--rm", ...peer.runFlags, "busybox", ...args]);
      systems.set(peer.name, () => timedShell(line, peer.env));
    }
    console.error(`${writer} 200 MB: ${context.runs} rounds of ${[...systems.keys()].join(", ")}`);
    const times = await alternate(
      [...systems.keys()],
      context.runs,
      (name) => systems.get(name)!(),
    );
    const rates = Object.fromEntries(
      Object.entries(times).map(([name, values]) => [name, rateOf(summarize(values), MEGABYTES)]),
    );
    context.raw[`stdout-${writer}`] = { times, rates };
    const label = `stdout, 200 MB from ${args.join(" ")}`;
    const figure = (system: string) => ({ system, summary: rates[system] });
    const peers = [context.docker?.name, context.podman?.name, "runc run"].filter(
      (name): name is string => name !== undefined,
    );
    for (const peer of peers) {
      const targets: Target[] = [];
      const rate = rates[berth.name].median;
      if (writer === "dd" && peer === context.podman?.name) {
        targets.push({ text: "never below podman", met: rate >= rates[peer].median });
      }
      if (writer === "dd" && peer === peers[0]) {
        targets.push({ text: `≥ ${DD_TARGET_MB_S} MB/s`, met: rate >= DD_TARGET_MB_S });
      }
      rows.push({
        case: label,
        chart: `stdout ${writer}`,
        unit: "MB/s",
        berth: figure(berth.name),
        peer: figure(peer),
        targets,
      });
    }
    if (context.podman) {
      // Like with like: both write the CRI format.
      const rate = rates[cri].median;
      rows.push({
        case: `${label} (both k8s-file)`,
        chart: `stdout ${writer} k8s-file`,
        unit: "MB/s",
        berth: figure(cri),
        peer: figure(context.podman.name),
        targets: writer === "dd"
          ? [{
            text: "never below podman (same format)",
            met: rate >= rates[context.podman.name].median,
          }]
          : [],
      });
    }
    for (const system of [cri, logless]) {
      rows.push({
        case: label,
        chart: `stdout ${writer}`,
        unit: "MB/s",
        berth: figure(system),
        peer: figure("runc run"),
      });
    }
  }
  return rows;
}
