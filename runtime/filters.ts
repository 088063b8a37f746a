/**
 * Docker's list filters, as the operations match them: a key and the
 * values any of which may match (parsed from the API's `filters` query by
 * api/filters.ts).
 * @module
 */

/** Parsed `filters` JSON: name → accepted values. */
export type Filters = Map<string, string[]>;

/** Check a label filter (`key` or `key=value`) against labels. */
export function matchesLabel(labels: Record<string, string>, filter: string): boolean {
  const index = filter.indexOf("=");
  if (index < 0) return filter in labels;
  return labels[filter.slice(0, index)] === filter.slice(index + 1);
}
