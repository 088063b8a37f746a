/**
 * Flags several commands share, spelled once.
 * @module
 */

import type { FlagSpec } from "./flags.ts";

/** `-f, --filter key=value` of the listing commands. */
export const FILTER_FLAG: FlagSpec = {
  name: "filter",
  short: "f",
  type: "list",
  value: "filter",
  description: "Filter output based on conditions provided",
};

/** `--format TEMPLATE`. */
export function formatFlag(description = "Format output using a custom template"): FlagSpec {
  return { name: "format", type: "string", value: "string", description };
}

/** --filter of the prune commands (no -f: that is --force there). */
export const PRUNE_FILTER_FLAG: FlagSpec = {
  name: "filter",
  type: "list",
  value: "filter",
  description: "Provide filter values (e.g. 'until=<timestamp>', 'label=<label>')",
};
