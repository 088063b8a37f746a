import { deepStrictEqual, match, ok } from "node:assert/strict";
import { timestampParameter } from "../../cli/time_format.ts";
import { humanDuration, humanSize, parseSize } from "../../lib/units.ts";
import { formatRfc3339Nano, parseRfc3339 } from "../../protocol/timestamp.ts";
import { parseSignal, signalName } from "../../runtime/signals.ts";

Deno.test("sizes parse 1024-based, print decimal", () => {
  deepStrictEqual(parseSize("10m"), 10 * 1024 * 1024);
  deepStrictEqual(parseSize("1.5g"), 1.5 * 1024 ** 3);
  deepStrictEqual(parseSize("512K"), 512 * 1024);
  deepStrictEqual(parseSize("100"), 100);
  deepStrictEqual(parseSize("10mb"), 10 * 1024 * 1024);
  deepStrictEqual(parseSize("ten"), undefined);
  deepStrictEqual(humanSize(2140160), "2.14MB");
  deepStrictEqual(humanSize(999), "999B");
});

Deno.test("durations read like docker's", () => {
  deepStrictEqual(humanDuration(500), "Less than a second");
  deepStrictEqual(humanDuration(1000), "1 second");
  deepStrictEqual(humanDuration(45_000), "45 seconds");
  deepStrictEqual(humanDuration(90_000), "About a minute");
  deepStrictEqual(humanDuration(10 * 60_000), "10 minutes");
  deepStrictEqual(humanDuration(3600_000), "About an hour");
  deepStrictEqual(humanDuration(5 * 3600_000), "5 hours");
  deepStrictEqual(humanDuration(3 * 86400_000), "3 days");
});

Deno.test("signals by name, SIG name and number", () => {
  deepStrictEqual(parseSignal("KILL"), 9);
  deepStrictEqual(parseSignal("sigterm"), 15);
  deepStrictEqual(parseSignal("10"), 10);
  deepStrictEqual(parseSignal("SIGRTMIN+2"), 36);
  deepStrictEqual(parseSignal("NOPE"), undefined);
  deepStrictEqual(parseSignal("65"), undefined);
  deepStrictEqual(signalName(15), "SIGTERM");
});

Deno.test("RFC 3339 with nanoseconds round-trips", () => {
  // A double near 2026 in ms carries sub-microsecond precision, not nanoseconds.
  const epochMs = Date.parse("2026-01-02T03:04:05.678Z") + 0.25;
  const text = formatRfc3339Nano(epochMs);
  match(text, /^2026-01-02T03:04:05\.67825\d{4}Z$/);
  ok(Math.abs(parseRfc3339(text) - epochMs) < 0.001);
  deepStrictEqual(parseRfc3339("2026-01-02T03:04:05+01:00"), Date.parse("2026-01-02T02:04:05Z"));
  deepStrictEqual(Number.isNaN(parseRfc3339("yesterday")), true);
});

Deno.test("--since values: durations, unix times and dates", () => {
  const now = Date.parse("2026-01-01T00:10:00Z");
  deepStrictEqual(
    timestampParameter("10m", now),
    `${Date.parse("2026-01-01T00:00:00Z") / 1000}.000000000`,
  );
  deepStrictEqual(timestampParameter("1700000000.5"), "1700000000.5");
  deepStrictEqual(
    timestampParameter("2026-01-01", now),
    `${Date.parse("2026-01-01T00:00:00Z") / 1000}.000000000`,
  );
  deepStrictEqual(
    timestampParameter("2026-01-01T00:00:01.123456789Z"),
    `${Date.parse("2026-01-01T00:00:01Z") / 1000}.123456789`,
  );
});
