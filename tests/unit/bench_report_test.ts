import { deepStrictEqual, ok } from "node:assert/strict";
import {
  chartBars,
  type Comparison,
  comparisonTable,
  costRatio,
  formatFigure,
  ratioAtMost,
  ratioOf,
  resultStem,
} from "../../bench/report.ts";
import { axisExponents, barChartSvg } from "../../bench/chart.ts";
import { summarize } from "../../bench/stats.ts";

const runRm: Comparison = {
  case: "run --rm busybox true",
  chart: "run --rm true",
  unit: "ms",
  berth: { system: "berth+runc", summary: summarize([100, 110, 90]) },
  peer: { system: "docker (runc)", summary: summarize([400, 420, 380]) },
};
const stdout: Comparison = {
  case: "stdout",
  unit: "MB/s",
  berth: { system: "berth+runc", summary: summarize([50]) },
  peer: { system: "podman (crun)", summary: summarize([200]) },
};

Deno.test("ratios are berth ÷ peer; the chart's cost ratio inverts throughput", () => {
  deepStrictEqual(ratioOf(runRm), 0.25);
  deepStrictEqual(costRatio(runRm), 0.25);
  deepStrictEqual(ratioOf(stdout), 0.25);
  deepStrictEqual(costRatio(stdout), 4);
  deepStrictEqual(ratioOf({ ...runRm, peer: undefined }), undefined);
});

Deno.test("targets: a ratio at the limit is met, above it is not", () => {
  deepStrictEqual(ratioAtMost(runRm, 0.25), { text: "≤ 0.25x", met: true });
  deepStrictEqual(ratioAtMost(runRm, 0.2), { text: "≤ 0.2x", met: false });
  deepStrictEqual(ratioAtMost({ ...runRm, peer: undefined }, 1).met, false);
});

Deno.test("figures print with their unit, median first, then the range", () => {
  deepStrictEqual(formatFigure(summarize([1.25, 2.5, 3]), "MiB"), "2.5 MiB (1.3–3.0)");
  deepStrictEqual(formatFigure(summarize([401.4, 380, 390]), "MB/s"), "390 MB/s (380–401)");
  deepStrictEqual(formatFigure(summarize([12.34]), "ms"), "12.3 ms (12.3–12.3)");
});

Deno.test("the table has a row per comparison with its ratio and targets", () => {
  const table = comparisonTable([
    { ...runRm, targets: [ratioAtMost(runRm, 0.25)] },
    { ...stdout, targets: [{ text: "never below podman", met: false }] },
    { ...runRm, peer: undefined },
  ]);
  const lines = table.trim().split("\n");
  deepStrictEqual(lines.length, 5);
  deepStrictEqual(
    lines[2],
    "| run --rm busybox true | berth+runc: 100.0 ms (90.0–110.0) | docker (runc): 400.0 ms (380.0–420.0) | 0.25x (lower is better) | ≤ 0.25x met |",
  );
  ok(lines[3].includes("0.25x (higher is better) | never below podman NOT met |"));
  ok(lines[4].endsWith("|  |  |  |"));
});

Deno.test("chart bars: rows with a peer, short labels, rows marked false left out", () => {
  deepStrictEqual(
    chartBars([runRm, stdout, { ...runRm, chart: false }, { ...runRm, peer: undefined }]),
    [
      { label: "run --rm true: berth+runc / docker (runc)", ratio: 0.25 },
      { label: "stdout: berth+runc / podman (crun)", ratio: 4 },
    ],
  );
});

Deno.test("the chart's log axis spans every ratio and at least 0.5x to 2x", () => {
  deepStrictEqual(axisExponents([1.1]), { low: -1, high: 1 });
  deepStrictEqual(axisExponents([0.2, 38]), { low: -3, high: 6 });
  const svg = barChartSvg("a <b> & c", [{ label: "x", ratio: 0.5 }, { label: "y", ratio: 4 }]);
  ok(svg.startsWith("<svg"));
  ok(svg.includes("a &lt;b&gt; &amp; c"));
  ok(svg.includes(">0.50x</text>") && svg.includes(">4.00x</text>"));
  deepStrictEqual(svg.match(/<rect /g)?.length, 3); // background and two bars
});

Deno.test("results are named by date and machine", () => {
  deepStrictEqual(
    resultStem("/r", new Date("2026-11-27T22:23:55Z"), "vm"),
    "/r/bench/results/2026-11-27T2223-vm",
  );
});
