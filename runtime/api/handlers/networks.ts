/**
 * The /networks routes (the predefined bridge, host and none networks and
 * user-defined bridge networks), and POST /build/prune (berth builds
 * nothing, so there is no cache).
 * @module
 */

import { parseFilters } from "../filters.ts";
import {
  createNetwork,
  inspectNetwork,
  listNetworks,
  pruneNetworks,
  removeNetwork,
} from "../../networks/networks.ts";
import type { NetworkRequest } from "../../networks/network_store.ts";
import {
  type ConnectRequest,
  connectToNetwork,
  disconnectFromNetwork,
  type DisconnectRequest,
} from "../../networks/network_connect.ts";
import { type ApiRequest, readJson } from "../http.ts";

/** GET /networks?filters= */
export function list({ context, query }: ApiRequest) {
  return { status: 200, body: listNetworks(context, parseFilters(query.get("filters"))) };
}

/** GET /networks/{id} */
export function inspect({ context, params }: ApiRequest) {
  return { status: 200, body: inspectNetwork(context, params[0]) };
}

/** POST /networks/create */
export async function create({ context, req }: ApiRequest) {
  const body = await createNetwork(context, await readJson(req) as NetworkRequest);
  return { status: 201, body };
}

/** DELETE /networks/{id} */
export async function remove({ context, params }: ApiRequest) {
  await removeNetwork(context, params[0]);
  return { status: 204 };
}

/** POST /networks/{id}/connect */
export async function connect({ context, params, req }: ApiRequest) {
  await connectToNetwork(context, params[0], await readJson(req) as ConnectRequest);
  return { status: 200 };
}

/** POST /networks/{id}/disconnect */
export async function disconnect({ context, params, req }: ApiRequest) {
  await disconnectFromNetwork(context, params[0], await readJson(req) as DisconnectRequest);
  return { status: 200 };
}

/** POST /networks/prune: the user-defined networks no container names. */
export async function prune({ context }: ApiRequest) {
  const removed = await pruneNetworks(context);
  return { status: 200, body: { NetworksDeleted: removed.length ? removed : null } };
}

/** POST /build/prune: no build cache to prune. */
export function pruneBuildCache() {
  return { status: 200, body: { CachesDeleted: null, SpaceReclaimed: 0 } };
}
