/**
 * Times as the docker CLI prints and parses them.
 * @module
 */

import { humanDuration } from "../lib/units.ts";

/** Go's time.String() for a UTC time: `2006-01-02 15:04:05 +0000 UTC`. */
export function goTimeString(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, " +0000 UTC");
}

/** "5 seconds ago" */
export function ago(epochMs: number, now = Date.now()): string {
  return `${humanDuration(now - epochMs)} ago`;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parse a Go duration (`10m`, `1h30m`, `1.5s`) to milliseconds; undefined if not one. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(match[1]) * DURATION_UNITS[match[2]];
  }
  return total;
}

/**
 * Docker's --since/--until values: a duration before now, a unix timestamp
 * (fractional), or an RFC 3339 date or date-time. Returns the API form,
 * `seconds.nanoseconds`.
 */
export function timestampParameter(text: string, now = Date.now(), name = "time"): string {
  let epochMs: number;
  const duration = parseGoDuration(text);
  if (duration !== undefined) epochMs = now - duration;
  else if (/^\d+(\.\d+)?$/.test(text)) return text;
  else {
    const normalized = /^\d{4}-\d\d-\d\d$/.test(text)
      ? `${text}T00:00:00Z`
      : /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)
      ? `${text}Z`
      : text;
    epochMs = Date.parse(normalized);
    if (Number.isNaN(epochMs)) {
      throw new Error(
        `invalid value for ${name}: "${text}" is not a duration, timestamp or RFC 3339 date`,
      );
    }
    const fraction = /\.(\d+)/.exec(text)?.[1];
    if (fraction && fraction.length > 3) {
      const seconds = Math.floor(epochMs / 1000);
      return `${seconds}.${fraction.padEnd(9, "0").slice(0, 9)}`;
    }
  }
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  return `${seconds}.${String(nanos).padStart(9, "0")}`;
}
