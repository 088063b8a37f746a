/**
 * RFC 3339 timestamps with nanoseconds, the format of docker's json-file log
 * and of every time in the API.
 * @module
 */

/** Milliseconds since the epoch with sub-millisecond precision. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Format epoch milliseconds (fractional) as `2006-01-02T15:04:05.999999999Z`,
 * always with nine fractional digits.
 */
export function formatRfc3339Nano(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const iso = new Date(wholeMs).toISOString(); // 2006-01-02T15:04:05.123Z
  const nanos = Math.round((epochMs - Math.floor(epochMs / 1000) * 1000) * 1e6);
  const clamped = Math.min(nanos, 999_999_999);
  return `${iso.slice(0, 19)}.${String(clamped).padStart(9, "0")}Z`;
}

/**
 * Parse an RFC 3339 time (any fraction length, Z or an offset) to epoch
 * milliseconds with sub-millisecond precision; NaN when malformed.
 */
export function parseRfc3339(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return NaN;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = match[2] ? Number(`0.${match[2]}`) * 1000 : 0;
  return seconds + fraction;
}

/** The zero time docker reports for "never". */
export const ZERO_TIME = "0001-01-01T00:00:00Z";
