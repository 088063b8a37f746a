import { deepStrictEqual } from "node:assert/strict";
import {
  alternate,
  markdownTable,
  rateOf,
  ratio,
  smapsField,
  summarize,
  summarizeAll,
} from "../../bench/stats.ts";

Deno.test("summaries: median of odd and even counts, min and max", () => {
  deepStrictEqual(summarize([5, 1, 3]), { runs: 3, median: 3, min: 1, max: 5 });
  deepStrictEqual(summarize([4, 1, 3, 2]), { runs: 4, median: 2.5, min: 1, max: 4 });
});

Deno.test("ratios, tables and smaps fields", () => {
  deepStrictEqual(ratio(30, 120), "0.25x");
  deepStrictEqual(ratio(1, 0), "n/a");
  deepStrictEqual(markdownTable(["a", "b"], [["1", "2"]]), "| a | b |\n| --- | --- |\n| 1 | 2 |\n");
  const smaps = "Rss:               40960 kB\nPss:               12288 kB\nPss_Anon:  100 kB\n";
  deepStrictEqual([smapsField(smaps, "Rss"), smapsField(smaps, "Pss")], [40960, 12288]);
  deepStrictEqual(Number.isNaN(smapsField(smaps, "Swap")), true);
});

Deno.test("alternate rotates the order every round", async () => {
  const order: string[] = [];
  const results = await alternate(["a", "b", "c"], 3, (name) => {
    order.push(name);
    return Promise.resolve(order.length);
  });
  deepStrictEqual(order, ["a", "b", "c", "b", "c", "a", "c", "a", "b"]);
  deepStrictEqual(results, { a: [1, 6, 8], b: [2, 4, 9], c: [3, 5, 7] });
});

Deno.test("rates: 200 MB in 500 ms is 400 MB/s, and the slowest run is the minimum", () => {
  deepStrictEqual(rateOf(summarize([400, 500, 1000]), 200), {
    runs: 3,
    median: 400,
    min: 200,
    max: 500,
  });
});

Deno.test("summarizeAll summarizes every name's runs", () => {
  deepStrictEqual(summarizeAll({ a: [3, 1, 2], b: [5] }), {
    a: { runs: 3, median: 2, min: 1, max: 3 },
    b: { runs: 1, median: 5, min: 5, max: 5 },
  });
});
