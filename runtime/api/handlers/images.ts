/**
 * The /images routes.
 * @module
 */

import { parseFilters } from "../filters.ts";
import { ApiError, BadRequest } from "../../errors.ts";
import { inspectImage, listImages } from "../../images/image_views.ts";
import { importImage } from "../../images/import.ts";
import { imageHistory } from "../../images/history.ts";
import { loadImages } from "../../images/load.ts";
import { pruneImages } from "../../images/prune.ts";
import { parsePlatform } from "../../images/pull.ts";
import { pushImage } from "../../images/push.ts";
import { parseReference } from "../../images/reference.ts";
import { type RegistryCredentials, registryFor } from "../../images/registry_client.ts";
import { pullThroughMirrors } from "../../images/mirror_pull.ts";
import { errorMessage } from "../../logger.ts";
import { saveImages } from "../../images/save.ts";
import { removeImage } from "../../images/remove.ts";
import {
  type ApiRequest,
  bodyStream,
  commonHeaders,
  jsonMessageStream,
  queryBool,
  sendTar,
} from "../http.ts";

/**
 * POST /images/create: `fromImage` pulls from a registry (progress as
 * docker's JSON messages); `fromSrc=-` imports the body as a rootfs tar.
 */
export async function create(request: ApiRequest) {
  const { context, req, res, query } = request;
  const fromSrc = query.get("fromSrc");
  if (query.get("fromImage")) return await pull(request);
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
  context.events.emit("image", "import", image.id, { name: image.id });
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  res.end(JSON.stringify({ status: image.id }) + "\r\n");
}

/** The credentials docker clients send in X-Registry-Auth (base64url JSON). */
export function registryAuth(header: string | undefined): RegistryCredentials | undefined {
  if (!header) return undefined;
  try {
    const json = JSON.parse(atob(header.replaceAll("-", "+").replaceAll("_", "/")));
    if (typeof json.username === "string" && typeof json.password === "string" && json.username) {
      return { username: json.username, password: json.password };
    }
  } catch {
    // an unreadable header means no credentials, as docker treats it
  }
  return undefined;
}

/** The credentials of the request's X-Registry-Auth header, if any. */
function clientAuth(req: ApiRequest["req"]): RegistryCredentials | undefined {
  return registryAuth(req.headers["x-registry-auth"] as string | undefined);
}

/** POST /images/{name}/push?tag= */
export async function push({ context, req, res, params, query }: ApiRequest) {
  const tag = query.get("tag") || "latest";
  const reference = parseReference(`${params[0]}:${tag}`);
  const image = context.images.resolve(`${params[0]}:${tag}`);
  const client = await registryFor(context, reference.domain, reference.path, clientAuth(req));
  const stream = jsonMessageStream(res);
  try {
    const { digest, size } = await pushImage(
      context.images,
      context.layers,
      image,
      tag,
      client,
      stream.send,
    );
    await stream.send({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: size } });
  } catch (error) {
    await stream.fail(error);
  } finally {
    client.close();
  }
  res.end();
}

/** The pull half of POST /images/create: errors before the first message are HTTP errors. */
async function pull({ context, req, res, query }: ApiRequest) {
  const name = query.get("fromImage")!;
  const tag = query.get("tag");
  const text = tag ? (tag.startsWith("sha256:") ? `${name}@${tag}` : `${name}:${tag}`) : name;
  parseReference(text); // a bad name is an HTTP error
  const platform = parsePlatform(query.get("platform") || undefined);
  const stream = jsonMessageStream(res);
  try {
    await pullThroughMirrors(context, text, {
      credentials: clientAuth(req),
      platform,
      onProgress: stream.send,
    });
    context.events.emit("image", "pull", text, { name: text });
  } catch (error) {
    await stream.fail(error);
  }
  res.end();
}

/**
 * POST /images/load: a `docker save` or OCI layout archive as the body;
 * answers with docker's JSON messages, one per image or tag loaded.
 */
export async function load({ context, req, res }: ApiRequest) {
  let loaded: Awaited<ReturnType<typeof loadImages>>;
  try {
    loaded = await loadImages(context.images, context.layers, bodyStream(req));
  } catch (error) {
    // As docker: the answer is a 200 stream whose message is the error
    // (docker-py raises ImageLoadError on it, the CLIs print it and fail).
    const message = errorMessage(error);
    res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
    res.end(JSON.stringify({ errorDetail: { message }, error: message }) + "\r\n");
    return;
  }
  for (const { image, tags } of loaded) {
    context.events.emit("image", "load", image.id, { name: tags[0] ?? image.id });
  }
  const lines = loaded.flatMap(({ image, tags }) =>
    tags.length ? tags.map((tag) => `Loaded image: ${tag}\n`) : [`Loaded image ID: ${image.id}\n`]
  );
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  res.end(lines.map((line) => JSON.stringify({ stream: line }) + "\r\n").join(""));
}

/** GET /images/get?names=… and GET /images/{name}/get: a docker-archive tar. */
export async function save({ context, res, query, params }: ApiRequest) {
  const names = params[0] ? [params[0]] : query.getAll("names").filter(Boolean);
  if (names.length === 0) throw new BadRequest("names is required");
  const archive = saveImages(context.images, context.layers, names);
  await sendTar(res, `saving ${names.join(", ")}`, async (start, write) => {
    start();
    for await (const chunk of archive) await write(chunk);
  });
}

/** GET /images/{name}/history */
export async function history({ context, params }: ApiRequest) {
  return {
    status: 200,
    body: await imageHistory(context.images.resolve(params[0]), context.images, context.layers),
  };
}

/** POST /images/prune?filters= */
export async function prune({ context, query }: ApiRequest) {
  return { status: 200, body: await pruneImages(context, parseFilters(query.get("filters"))) };
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
  const name = tagName ? `${repo}:${tagName}` : repo;
  await context.images.tag(image, name);
  context.events.emit("image", "tag", image.id, { name });
  return { status: 201 };
}

/** DELETE /images/{name}?force= */
export async function remove({ context, params, query }: ApiRequest) {
  const removed = await removeImage(context, params[0], {
    force: queryBool(query, "force"),
    noPrune: queryBool(query, "noprune"),
  });
  for (const item of removed) {
    const [action, name] = "Untagged" in item ? ["untag", item.Untagged] : ["delete", item.Deleted];
    context.events.emit("image", action, name, { name });
  }
  return { status: 200, body: removed };
}

/** GET /images/search: registries' search APIs are not part of what berth speaks. */
export function search(): never {
  throw new ApiError(
    501,
    "berth does not search registries: pull by name (berth pull REGISTRY/NAME:TAG)",
  );
}
