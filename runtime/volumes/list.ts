/**
 * GET /volumes?filters=: the volumes, filtered as docker filters them
 * (dangling, driver, label, name).
 * @module
 */

import { type Filters, matchesLabel } from "../filters.ts";
import { volumeUsers } from "../containers/mounts.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import type { Volume } from "./volume_store.ts";

const VOLUME_FILTERS = new Set(["dangling", "driver", "label", "name"]);

function booleanFilter(values: string[], name: string): boolean {
  const value = values[values.length - 1];
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new BadRequest(`invalid filter '${name}=${value}'`);
}

/** Whether `volume` passes every filter. */
function matches(context: DaemonContext, volume: Volume, filters: Filters): boolean {
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    let ok: boolean;
    switch (key) {
      case "dangling":
        ok = booleanFilter(values, key) === (volumeUsers(context, volume.Name).length === 0);
        break;
      case "driver":
        ok = values.includes(volume.Driver);
        break;
      case "label":
        ok = values.every((value) => matchesLabel(volume.Labels, value));
        break;
      case "name":
        ok = values.some((value) => volume.Name.includes(value));
        break;
      default:
        ok = true;
    }
    if (!ok) return false;
  }
  return true;
}

/**
 * The volumes that pass `filters`; an unknown filter is refused, except
 * those in `callerFilters`, which the caller applies itself.
 */
export function listVolumes(
  context: DaemonContext,
  filters: Filters,
  callerFilters: string[] = [],
): Volume[] {
  for (const key of filters.keys()) {
    if (!VOLUME_FILTERS.has(key) && !callerFilters.includes(key)) {
      throw new BadRequest(`invalid filter '${key}'`);
    }
  }
  const own = new Map([...filters].filter(([key]) => !callerFilters.includes(key)));
  return context.volumes.list().filter((volume) => matches(context, volume, own));
}
