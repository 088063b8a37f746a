/**
 * The /volumes routes.
 * @module
 */

import { parseFilters } from "../filters.ts";
import { BadRequest } from "../../errors.ts";
import { listVolumes } from "../../volumes/list.ts";
import { pruneVolumes, removeVolume } from "../../volumes/remove.ts";
import type { VolumeRequest } from "../../volumes/volume_store.ts";
import { type ApiRequest, queryBool, readJson } from "../http.ts";

/** GET /volumes?filters= */
export function list({ context, query }: ApiRequest) {
  return {
    status: 200,
    body: { Volumes: listVolumes(context, parseFilters(query.get("filters"))), Warnings: [] },
  };
}

/** POST /volumes/create */
export async function create({ context, req }: ApiRequest) {
  const body = await readJson(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  const { volume, created } = await context.volumes.create(body as VolumeRequest);
  if (created) context.events.emit("volume", "create", volume.Name, { driver: "local" });
  return { status: 201, body: volume };
}

/** GET /volumes/{name} */
export function inspect({ context, params }: ApiRequest) {
  return { status: 200, body: context.volumes.get(params[0]) };
}

/** DELETE /volumes/{name}?force= */
export async function remove({ context, params, query }: ApiRequest) {
  if (await removeVolume(context, params[0], { force: queryBool(query, "force") })) {
    context.events.emit("volume", "destroy", params[0], { driver: "local" });
  }
  return { status: 204 };
}

/** POST /volumes/prune?filters= */
export async function prune({ context, query }: ApiRequest) {
  const report = await pruneVolumes(context, parseFilters(query.get("filters")));
  for (const name of report.VolumesDeleted) {
    context.events.emit("volume", "destroy", name, { driver: "local" });
  }
  return { status: 200, body: report };
}
