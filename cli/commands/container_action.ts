/**
 * What stop, restart, kill, pause and unpause share: one POST per
 * container, each name printed as docker prints it, failures reported and
 * the rest carried on.
 * @module
 */

import type { ApiClient, Query } from "../api_client.ts";
import { forEachArgument } from "../command.ts";
import { reportError } from "../errors.ts";
import { outLine } from "../output.ts";

/** POST /containers/{name}/{action} for each name; exit status 1 if any failed. */
export function postToEach(
  client: ApiClient,
  names: string[],
  action: string,
  query?: Query,
): Promise<number> {
  return forEachArgument(names, async (name) => {
    await client.call("POST", `/containers/${encodeURIComponent(name)}/${action}`, { query });
    outLine(name);
  }, reportError);
}
