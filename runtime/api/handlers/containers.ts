/**
 * The /containers routes: each handler parses its parameters and calls one
 * container operation.
 * @module
 */

import { removeLink } from "../../networks/links.ts";
import {
  archivePath,
  archiveRequestPath,
  extractToPath,
  type PathStat,
  statPath,
} from "../../containers/archive.ts";
import { exportContainer } from "../../containers/export.ts";
import { commitContainer } from "../../images/commit.ts";
import { containerChanges } from "../../containers/changes.ts";
import { createContainer, type CreateRequest } from "../../containers/create.ts";
import { inspectContainer } from "../../containers/inspect.ts";
import { killContainer, signalParameter } from "../../containers/kill.ts";
import { listContainers } from "../../containers/list.ts";
import { parseFilters } from "../filters.ts";
import { pauseContainer, unpauseContainer } from "../../containers/pause.ts";
import { removeContainer } from "../../containers/remove.ts";
import { renameContainer } from "../../containers/rename.ts";
import { restartContainer } from "../../containers/restart.ts";
import { startContainer } from "../../containers/start.ts";
import { stopContainer } from "../../containers/stop.ts";
import { parseWaitCondition, prepareWait } from "../../containers/wait.ts";
import { resizePty, windowSize } from "../../containers/resize.ts";
import { sampleStats, statsDocument, type StatsSample } from "../../containers/stats.ts";
import { topContainer } from "../../containers/top.ts";
import { updateContainer } from "../../containers/update.ts";
import { pruneContainers } from "../../containers/prune.ts";
import { treeBytes } from "../../system/disk_usage.ts";
import { shimStateDir } from "../../daemon_context.ts";
import { BadRequest, Conflict } from "../../errors.ts";
import { readLog } from "../../logs/log_reader.ts";
import {
  type ApiRequest,
  bodyStream,
  commonHeaders,
  queryBool,
  queryInt,
  readJson,
  sendTar,
  timeParameter,
  untilFilter,
  writeChunk,
} from "../http.ts";
import { frame, MULTIPLEXED, RAW_STREAM } from "../../../protocol/stream_framing.ts";

const NO_CONTENT = { status: 204 };
/** How often stats are sampled. */
const STATS_INTERVAL_MS = 1000;

/** POST /containers/create?name= */
export async function create({ context, req, query }: ApiRequest) {
  const body = await readJson(req);
  const container = await createContainer(
    context,
    query.get("name") || undefined,
    body as CreateRequest,
    query.get("platform") || undefined,
  );
  return { status: 201, body: { Id: container.id, Warnings: [] } };
}

/** GET /containers/json */
export function list({ context, query }: ApiRequest) {
  return {
    status: 200,
    body: listContainers(context, {
      all: queryBool(query, "all"),
      limit: queryInt(query, "limit") ?? -1,
      filters: parseFilters(query.get("filters")),
      cri: queryBool(query, "cri"),
    }),
  };
}

/** GET /containers/{id}/json?size= */
export async function inspect({ context, params, query }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const body = inspectContainer(context, container);
  if (!queryBool(query, "size")) return { status: 200, body };
  // `inspect --size`: the writable layer, and that plus the image.
  const sizeRw = await treeBytes(container.paths.upper);
  const imageSize = context.images.byId(container.record.imageId)?.size ?? 0;
  return { status: 200, body: { ...body, SizeRw: sizeRw, SizeRootFs: sizeRw + imageSize } };
}

/** POST /containers/{id}/start */
export async function start({ context, params }: ApiRequest) {
  await startContainer(context, context.containers.get(params[0]));
  return NO_CONTENT;
}

/** POST /containers/{id}/stop?t=&signal= */
export async function stop({ context, params, query }: ApiRequest) {
  const container = context.containers.get(params[0]);
  await stopContainer(context, container, queryInt(query, "t"), stopSignalQuery(query));
  return NO_CONTENT;
}

/** POST /containers/{id}/kill?signal= */
export async function kill({ context, params, query }: ApiRequest) {
  const container = context.containers.get(params[0]);
  await killContainer(context, container, signalParameter(query.get("signal")));
  return NO_CONTENT;
}

/** POST /containers/{id}/restart?t=&signal= */
export async function restart({ context, params, query }: ApiRequest) {
  const container = context.containers.get(params[0]);
  await restartContainer(context, container, queryInt(query, "t"), stopSignalQuery(query));
  return NO_CONTENT;
}

/** The `signal` parameter of stop and restart (docker's `-s`), when given. */
function stopSignalQuery(query: URLSearchParams): number | undefined {
  return query.get("signal") ? signalParameter(query.get("signal")) : undefined;
}

/** POST /containers/{id}/pause */
export async function pause({ context, params }: ApiRequest) {
  await pauseContainer(context, context.containers.get(params[0]));
  return NO_CONTENT;
}

/** POST /containers/{id}/unpause */
export async function unpause({ context, params }: ApiRequest) {
  await unpauseContainer(context, context.containers.get(params[0]));
  return NO_CONTENT;
}

/** POST /containers/{id}/rename?name= */
export async function rename({ context, params, query }: ApiRequest) {
  const name = query.get("name");
  if (!name) throw new BadRequest("name is required");
  await renameContainer(context, context.containers.get(params[0]), name);
  return NO_CONTENT;
}

/** DELETE /containers/{id}?force= */
export async function remove({ context, params, query }: ApiRequest) {
  if (queryBool(query, "link")) {
    // ?link=1 names a link (PARENT/ALIAS), not a container.
    await removeLink(context, params[0]);
    return NO_CONTENT;
  }
  await removeContainer(context, context.containers.get(params[0]), {
    force: queryBool(query, "force"),
    volumes: queryBool(query, "v"),
  });
  return NO_CONTENT;
}

/**
 * POST /containers/{id}/wait?condition=. The headers go out as soon as the
 * waiter is registered; the body when the condition holds.
 */
export async function wait({ context, params, query, res, signal }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const waiter = prepareWait(container, parseWaitCondition(query.get("condition")));
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  res.flushHeaders();
  const gone = new Promise<undefined>((resolve) =>
    signal.addEventListener("abort", () => resolve(undefined))
  );
  const result = await Promise.race([waiter.promise, gone]);
  waiter.cancel();
  if (result) res.end(JSON.stringify(result) + "\n");
  else res.destroy();
}

/** POST /containers/{id}/resize?h=&w= */
export async function resize({ context, params, query }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const size = windowSize(query.get("h"), query.get("w"));
  if (!container.isRunning) throw new Conflict(`Container ${container.id} is not running`);
  if (container.record.config.Tty) {
    await resizePty(shimStateDir(context, container.id), container.id, size);
  }
  return { status: 200 };
}

/** GET /containers/{id}/top?ps_args= */
export async function top({ context, params, query }: ApiRequest) {
  const container = context.containers.get(params[0]);
  return { status: 200, body: await topContainer(context, container, query.get("ps_args") ?? "") };
}

/** The stat header docker clients read: base64 of the JSON. */
function statHeader(stat: PathStat): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(stat))));
}

/** HEAD /containers/{id}/archive?path= */
export async function archiveStat({ context, params, query, res }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const stat = await statPath(context, container, archiveRequestPath(query.get("path")));
  res.writeHead(200, { ...commonHeaders(), "X-Docker-Container-Path-Stat": statHeader(stat) });
  res.end();
}

/** GET /containers/{id}/archive?path=: the path as a tar. */
export async function archiveGet({ context, params, query, res }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const path = archiveRequestPath(query.get("path"));
  await sendTar(res, `copying ${path} out of ${container.id}`, (start, write) =>
    archivePath(
      context,
      container,
      path,
      (stat) => start({ "X-Docker-Container-Path-Stat": statHeader(stat) }),
      write,
    ));
}

/** PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=: extract the body there. */
export async function archivePut({ context, params, query, req }: ApiRequest) {
  const container = context.containers.get(params[0]);
  await extractToPath(context, container, archiveRequestPath(query.get("path")), bodyStream(req), {
    noOverwriteDirNonDir: queryBool(query, "noOverwriteDirNonDir"),
  });
  return { status: 200 };
}

/** GET /containers/{id}/export: the container's filesystem as a tar. */
export async function exportFilesystem({ context, params, res }: ApiRequest) {
  const container = context.containers.get(params[0]);
  await sendTar(
    res,
    `exporting ${container.id}`,
    (_start, write) => exportContainer(context, container, write),
  );
}

/** POST /commit?container=&repo=&tag=&comment=&author=&changes=&pause= */
export async function commit({ context, query }: ApiRequest) {
  const container = context.containers.get(query.get("container") ?? "");
  const repo = query.get("repo");
  const tag = query.get("tag");
  const image = await commitContainer(context, container, {
    reference: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
    comment: query.get("comment") ?? undefined,
    author: query.get("author") ?? undefined,
    changes: query.getAll("changes").filter(Boolean),
    pause: query.get("pause") === null || queryBool(query, "pause"),
  });
  return { status: 201, body: { Id: image.id } };
}

/** GET /containers/{id}/changes */
export async function changes({ context, params }: ApiRequest) {
  const container = context.containers.get(params[0]);
  return { status: 200, body: await containerChanges(context, container) };
}

/** The tail parameter: a count, or undefined for all. */
export function tailParameter(text: string | null): number | undefined {
  if (text === null || text === "" || text === "all") return undefined;
  if (!/^\d+$/.test(text)) throw new BadRequest(`invalid value for tail: ${text}`);
  return Number(text);
}

/** GET /containers/{id}/logs */
export async function logs({ context, params, query, res, signal }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const wantStdout = queryBool(query, "stdout");
  const wantStderr = queryBool(query, "stderr");
  if (!wantStdout && !wantStderr) {
    throw new BadRequest("Bad parameters: you must choose at least one stream");
  }
  const options = {
    follow: queryBool(query, "follow"),
    timestamps: queryBool(query, "timestamps"),
    tail: tailParameter(query.get("tail")),
    since: timeParameter(query.get("since"), "since"),
    until: timeParameter(query.get("until"), "until"),
  };
  const logFile = container.logFile;
  if (!logFile) {
    throw new BadRequest(
      'configured logging driver does not support reading: the container uses the "none" log driver',
    );
  }
  const tty = container.record.config.Tty;
  const stopped = container.isRunning
    ? container.once((event) => event === "exit" || event === "removed").promise.then(() => {})
    : Promise.resolve();
  res.writeHead(200, { ...commonHeaders(), "Content-Type": tty ? RAW_STREAM : MULTIPLEXED });
  res.flushHeaders();
  const encoder = new TextEncoder();
  try {
    for await (
      const record of readLog(logFile, {
        ...options,
        follow: options.follow,
        stopped,
        signal,
      })
    ) {
      if (record.stream === "stdout" ? !wantStdout : !wantStderr) continue;
      const text = options.timestamps ? `${record.time} ${record.text}` : record.text;
      const payload = encoder.encode(text);
      await writeChunk(res, tty ? payload : frame(record.stream, payload));
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * GET /containers/{id}/stats?stream=&one-shot=: a JSON document a second
 * while streaming (docker's default); else one, a second after a first
 * sample (so CPU % can be worked out) unless one-shot.
 */
export async function stats({ context, params, query, res, signal }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const stream = query.get("stream") === null || queryBool(query, "stream");
  res.writeHead(200, { ...commonHeaders(), "Content-Type": "application/json" });
  let previous: StatsSample | undefined;
  if (!stream) {
    let current = sampleStats(context, container);
    if (!queryBool(query, "one-shot") && container.isRunning) {
      previous = current;
      await delay(STATS_INTERVAL_MS, signal);
      current = sampleStats(context, container);
    }
    res.end(JSON.stringify(statsDocument(container, current, previous)) + "\n");
    return;
  }
  res.flushHeaders();
  try {
    while (!signal.aborted) {
      const current = sampleStats(context, container);
      await writeChunk(res, JSON.stringify(statsDocument(container, current, previous)) + "\n");
      previous = current;
      await delay(STATS_INTERVAL_MS, signal);
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** POST /containers/prune?filters= */
export async function prune({ context, query }: ApiRequest) {
  const filters = parseFilters(query.get("filters"));
  return {
    status: 200,
    body: await pruneContainers(context, filters, untilFilter(filters)),
  };
}

/** POST /containers/{id}/update */
export async function update({ context, params, req }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const body = await readJson(req) as Record<string, unknown>;
  return { status: 200, body: await updateContainer(context, container, body) };
}
