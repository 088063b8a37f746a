/**
 * The /images routes.
 * @module
 */

import { parseFilters } from "../../containers/list.ts";
import { ApiError, BadRequest } from "../../errors.ts";
import { inspectImage, listImages } from "../../images/image_views.ts";
import { importImage } from "../../images/import.ts";
import { loadImages } from "../../images/load.ts";
import { removeImage } from "../../images/remove.ts";
import { type ApiRequest, bodyStream, commonHeaders, queryBool } from "../http.ts";

/**
 * POST /images/create: `fromSrc=-` imports the body as a rootfs tar;
 * `fromImage` (a registry pull) is not supported yet.
 */
export async function create({ context, req, res, query }: ApiRequest) {
  const fromSrc = query.get("fromSrc");
  if (query.get("fromImage")) {
    throw new ApiError(
      501,
      `pulling ${query.get("fromImage")} is not supported yet: berth cannot pull from ` +
        "registries; import a rootfs with `berth import` or `docker import`",
    );
  }
  if (fromSrc !== "-") {
    throw new BadRequest(
      fromSrc
        ? "importing from a URL is not supported: send the tar as the body (fromSrc=-)"
        : "fromSrc or fromImage is required",
    );
  }
  const image = await importImage(context.images, context.layers, bodyStream(req), {
    repository: query.get("repo") || undefined,
    tag: query.get("tag") || undefined,
    changes: query.getAll("changes").filter(Boolean),
    message: query.get("message") || undefined,
  });
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  res.end(JSON.stringify({ status: image.id }) + "\r\n");
}

/**
 * POST /images/load: a `docker save` or OCI layout archive as the body;
 * answers with docker's JSON messages, one per image or tag loaded.
 */
export async function load({ context, req, res }: ApiRequest) {
  const loaded = await loadImages(context.images, context.layers, bodyStream(req));
  const lines = loaded.flatMap(({ image, tags }) =>
    tags.length ? tags.map((tag) => `Loaded image: ${tag}\n`) : [`Loaded image ID: ${image.id}\n`]
  );
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  res.end(lines.map((line) => JSON.stringify({ stream: line }) + "\r\n").join(""));
}

/** GET /images/json */
export function list({ context, query }: ApiRequest) {
  return {
    status: 200,
    body: listImages(context.images, context.containers, {
      all: queryBool(query, "all"),
      digests: queryBool(query, "digests"),
      filters: parseFilters(query.get("filters")),
    }),
  };
}

/** GET /images/{name}/json */
export function inspect({ context, params }: ApiRequest) {
  return { status: 200, body: inspectImage(context.images.resolve(params[0]), context.layers) };
}

/** POST /images/{name}/tag?repo=&tag= */
export async function tag({ context, params, query }: ApiRequest) {
  const image = context.images.resolve(params[0]);
  const repo = query.get("repo");
  if (!repo) throw new BadRequest("repo is required");
  const tagName = query.get("tag");
  await context.images.tag(image, tagName ? `${repo}:${tagName}` : repo);
  return { status: 201 };
}

/** DELETE /images/{name}?force= */
export async function remove({ context, params, query }: ApiRequest) {
  return {
    status: 200,
    body: await removeImage(context, params[0], { force: queryBool(query, "force") }),
  };
}
