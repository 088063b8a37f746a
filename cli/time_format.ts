/**
 * Times as the docker CLI prints and parses them.
 * @module
 */

import { humanDuration, parseGoDuration } from "../lib/units.ts";

/** Go's time.String() for a UTC time: `2006-01-02 15:04:05 +0000 UTC`. */
export function goTimeString(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, " +0000 UTC");
}

/** "5 seconds ago" */
export function ago(epochMs: number, now = Date.now()): string {
  return `${humanDuration(now - epochMs)} ago`;
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
