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
