/**
 * Small conversions between the CRI's message values and berth's.
 * @module
 */

/** Now, in nanoseconds since the epoch (the CRI's timestamps), as a decimal string. */
export function nowNanos(): string {
  return nanosOf(Date.now());
}

/** Epoch milliseconds (or an RFC 3339 time) as CRI nanoseconds; "0" for none. */
export function nanosOf(time: number | string): string {
  if (typeof time === "string") {
    if (!time || time.startsWith("0001-")) return "0";
    const ms = Date.parse(time);
    if (Number.isNaN(ms)) return "0";
    // Keep the sub-millisecond digits RFC 3339 times carry.
    const fraction = /\.(\d+)/.exec(time)?.[1] ?? "";
    const nanos = (fraction + "000000000").slice(0, 9);
    return `${BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(nanos)}`;
  }
  return `${BigInt(Math.floor(time)) * 1_000_000n}`;
}

/** A string map of a message (maps arrive as objects), copied. */
export function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (typeof value !== "object" || value === null) return map;
  for (const [key, item] of Object.entries(value)) map[key] = String(item);
  return map;
}

/** True when every `key: value` of `selector` is in `labels`. */
export function matchesSelector(
  labels: Record<string, string>,
  selector: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}
