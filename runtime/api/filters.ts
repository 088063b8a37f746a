/**
 * The `filters` query parameter of docker's list and prune routes.
 * @module
 */

import { BadRequest } from "../errors.ts";
import type { Filters } from "../filters.ts";

/** Parse docker's filters parameter (`{"status":["running"]}` or the old map form). */
export function parseFilters(text: string | null): Filters {
  const filters: Filters = new Map();
  if (!text) return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest(`invalid filters: ${text}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BadRequest(`invalid filters: ${text}`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) filters.set(key, value.map(String));
    else if (typeof value === "object" && value !== null) {
      filters.set(
        key,
        Object.keys(value).filter((item) => (value as Record<string, unknown>)[item]),
      );
    } else throw new BadRequest(`invalid filter value for ${key}`);
  }
  return filters;
}
