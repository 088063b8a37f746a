/**
 * The benchmark's results: one row per comparison of berth with a peer or
 * a bare runtime, the markdown table with the berth/peer ratio of every
 * row and its target, and the files kept in bench/results/.
 * @module
 */

import { formatMs, markdownTable, type Summary } from "./stats.ts";

/** What a figure measures, which decides how it prints and which way is better. */
export type Unit = "ms" | "MiB" | "MB/s";

/** A figure of one system in one case. */
export interface Figure {
  system: string;
  summary: Summary;
}

/** A target a row is held to. */
export interface Target {
  /** "≤ 0.25x", "≥ 400 MB/s", "≤ +60 ms". */
  text: string;
  met: boolean;
}

/** One line of the table: berth, and optionally what it is compared with. */
export interface Comparison {
  case: string;
  /** A short label for the chart; false keeps the row out of it. */
  chart?: string | false;
  unit: Unit;
  berth: Figure;
  peer?: Figure;
  targets?: Target[];
}

/** Lower is better for times and memory, higher for throughput. */
export function lowerIsBetter(unit: Unit): boolean {
  return unit !== "MB/s";
}

/** berth ÷ peer of the medians, or undefined without a peer. */
export function ratioOf(row: Comparison): number | undefined {
  if (!row.peer || row.peer.summary.median === 0) return undefined;
  return row.berth.summary.median / row.peer.summary.median;
}

/**
 * berth's cost as a fraction of the peer's (time or memory; for throughput
 * the time to move the same bytes): below 1, berth is better.
 */
export function costRatio(row: Comparison): number | undefined {
  const ratio = ratioOf(row);
  if (ratio === undefined || ratio === 0) return undefined;
  return lowerIsBetter(row.unit) ? ratio : 1 / ratio;
}

/** "104.2 ms (98.0–110.3)", "13.2 MiB (12.9–13.5)", "480 MB/s (450–500)". */
export function formatFigure(summary: Summary, unit: Unit): string {
  if (unit === "ms") return formatMs(summary);
  const digits = unit === "MiB" ? 1 : 0;
  const value = (number: number) => number.toFixed(digits);
  return `${value(summary.median)} ${unit} (${value(summary.min)}–${value(summary.max)})`;
}

/** "≤ 0.25x": met when berth ÷ peer is at most `limit`. */
export function ratioAtMost(row: Comparison, limit: number): Target {
  const ratio = ratioOf(row);
  return { text: `≤ ${limit}x`, met: ratio !== undefined && ratio <= limit };
}

/** The markdown table of `rows`. */
export function comparisonTable(rows: Comparison[]): string {
  return markdownTable(
    ["case", "berth", "compared with", "berth ÷ peer", "target"],
    rows.map((row) => {
      const ratio = ratioOf(row);
      const better = lowerIsBetter(row.unit) ? "lower is better" : "higher is better";
      return [
        row.case,
        `${row.berth.system}: ${formatFigure(row.berth.summary, row.unit)}`,
        row.peer ? `${row.peer.system}: ${formatFigure(row.peer.summary, row.unit)}` : "",
        ratio === undefined ? "" : `${ratio.toFixed(2)}x (${better})`,
        (row.targets ?? []).map((target) => `${target.text} ${target.met ? "met" : "NOT met"}`)
          .join("; "),
      ];
    }),
  );
}

/** The chart's bars: every row with a peer and a chart label. */
export function chartBars(rows: Comparison[]): { label: string; ratio: number }[] {
  return rows.flatMap((row) => {
    const ratio = costRatio(row);
    if (ratio === undefined || row.chart === false) return [];
    return [{
      label: `${row.chart ?? row.case}: ${row.berth.system} / ${row.peer!.system}`,
      ratio,
    }];
  });
}

/** The results' file stem: `bench/results/<date>T<hhmm>-<host>`. */
export function resultStem(repo: string, date: Date, host: string): string {
  const stamp = date.toISOString().slice(0, 16).replace(":", "");
  return `${repo}/bench/results/${stamp}-${host}`;
}
