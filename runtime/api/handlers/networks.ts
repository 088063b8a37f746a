/**
 * The /networks routes (the predefined bridge, host and none networks), and
 * POST /build/prune (berth builds nothing, so there is no cache).
 * @module
 */

import { parseFilters } from "../../containers/list.ts";
import { BadRequest } from "../../errors.ts";
import { inspectNetwork, listNetworks, removeNetwork } from "../../networks/networks.ts";
import type { ApiRequest } from "../http.ts";

/** GET /networks?filters= */
export function list({ context, query }: ApiRequest) {
  return { status: 200, body: listNetworks(context, parseFilters(query.get("filters"))) };
}

/** GET /networks/{id} */
export function inspect({ context, params }: ApiRequest) {
  return { status: 200, body: inspectNetwork(context, params[0]) };
}

/** DELETE /networks/{id} */
export function remove({ context, params }: ApiRequest) {
  return removeNetwork(context, params[0]);
}

/** POST /networks/create, /networks/{id}/connect and /disconnect. */
export function unsupported() {
  throw new BadRequest(
    'berth cannot create or connect networks yet: containers use the predefined "bridge", "host" or "none" network (--network)',
  );
}

/** POST /networks/prune: the predefined networks are never pruned. */
export function prune() {
  return { status: 200, body: { NetworksDeleted: null } };
}

/** POST /build/prune: no build cache to prune. */
export function pruneBuildCache() {
  return { status: 200, body: { CachesDeleted: null, SpaceReclaimed: 0 } };
}
