/**
 * Statistics and tables for the benchmarks: medians and ranges of repeated
 * runs, ratios against a baseline, markdown.
 * @module
 */

/** Summary of repeated measurements. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of `values` (which must not be empty). */
export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error("no measurements");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { runs: values.length, median, min: sorted[0], max: sorted.at(-1)! };
}

/** A summary per name of every name's measurements. */
export function summarizeAll(runs: Record<string, number[]>): Record<string, Summary> {
  return Object.fromEntries(
    Object.entries(runs).map(([name, values]) => [name, summarize(values)]),
  );
}

/** `value / baseline` with two decimals, or "n/a". */
export function ratio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return "n/a";
  return `${(value / baseline).toFixed(2)}x`;
}

/** A markdown table. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}

/** Times in milliseconds for moving `megabytes` → rates in MB/s (the slowest run is the min). */
export function rateOf(times: Summary, megabytes: number): Summary {
  const rate = (ms: number) => megabytes / (ms / 1000);
  return {
    runs: times.runs,
    median: rate(times.median),
    min: rate(times.max),
    max: rate(times.min),
  };
}

/** "12.3 ms (10.1–15.0)" */
export function formatMs(summary: Summary): string {
  return `${summary.median.toFixed(1)} ms (${summary.min.toFixed(1)}–${summary.max.toFixed(1)})`;
}

/** Kilobytes from a /proc/PID/smaps_rollup field ("Rss:  1234 kB"). */
export function smapsField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text);
  return match ? Number(match[1]) : NaN;
}

/** Run `tasks` round-robin `rounds` times, rotating the order each round. */
export async function alternate<T extends string>(
  names: T[],
  rounds: number,
  task: (name: T) => Promise<number>,
): Promise<Record<T, number[]>> {
  const results = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    T,
    number[]
  >;
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    for (const name of order) results[name].push(await task(name));
  }
  return results;
}
