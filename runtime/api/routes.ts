/**
 * The route table: every API route maps to one handler, and every handler
 * to one operation.
 * @module
 */

import * as attach from "./handlers/attach.ts";
import * as auth from "./handlers/auth.ts";
import * as build from "./handlers/build.ts";
import * as containers from "./handlers/containers.ts";
import * as events from "./handlers/events.ts";
import * as execs from "./handlers/exec.ts";
import * as images from "./handlers/images.ts";
import * as networks from "./handlers/networks.ts";
import * as swarm from "./handlers/swarm.ts";
import * as system from "./handlers/system.ts";
import * as volumes from "./handlers/volumes.ts";
import type { Handler } from "./http.ts";

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const ID = "([^/]+)";
const NAME = "(.+)";

function route(method: string, path: string, handler: Handler): Route {
  return { method, pattern: new RegExp(`^${path}$`), handler };
}

const ROUTES: Route[] = [
  route("GET", "/_ping", system.ping),
  route("HEAD", "/_ping", system.ping),
  route("GET", "/version", system.version),
  route("GET", "/info", system.info),
  route("GET", "/system/df", system.df),
  route("GET", "/events", events.events),
  route("POST", "/auth", auth.login),

  route("POST", "/containers/create", containers.create),
  route("POST", "/containers/prune", containers.prune),
  route("GET", "/containers/json", containers.list),
  route("GET", `/containers/${ID}/json`, containers.inspect),
  route("POST", `/containers/${ID}/start`, containers.start),
  route("POST", `/containers/${ID}/stop`, containers.stop),
  route("POST", `/containers/${ID}/kill`, containers.kill),
  route("POST", `/containers/${ID}/restart`, containers.restart),
  route("POST", `/containers/${ID}/wait`, containers.wait),
  route("POST", `/containers/${ID}/pause`, containers.pause),
  route("POST", `/containers/${ID}/unpause`, containers.unpause),
  route("POST", `/containers/${ID}/rename`, containers.rename),
  route("POST", `/containers/${ID}/update`, containers.update),
  route("GET", `/containers/${ID}/logs`, containers.logs),
  route("POST", `/containers/${ID}/resize`, containers.resize),
  route("GET", `/containers/${ID}/top`, containers.top),
  route("GET", `/containers/${ID}/stats`, containers.stats),
  route("GET", `/containers/${ID}/changes`, containers.changes),
  route("GET", `/containers/${ID}/export`, containers.exportFilesystem),
  route("HEAD", `/containers/${ID}/archive`, containers.archiveStat),
  route("GET", `/containers/${ID}/archive`, containers.archiveGet),
  route("PUT", `/containers/${ID}/archive`, containers.archivePut),
  route("POST", "/commit", containers.commit),
  route("POST", `/containers/${ID}/exec`, execs.create),
  route("POST", `/exec/${ID}/resize`, execs.resize),
  route("GET", `/exec/${ID}/json`, execs.inspect),
  route("DELETE", `/containers/${ID}`, containers.remove),
  // A link's name holds a slash (DELETE /containers/PARENT/ALIAS?link=1).
  route("DELETE", `/containers/${NAME}`, containers.remove),

  route("POST", "/build", build.build),
  route("POST", "/build/prune", build.prune),

  route("POST", "/images/create", images.create),
  route("POST", "/images/load", images.load),
  route("GET", "/images/get", images.save),
  route("POST", "/images/prune", images.prune),
  route("GET", "/images/search", images.search),
  route("GET", "/images/json", images.list),
  route("GET", `/images/${NAME}/json`, images.inspect),
  route("GET", `/images/${NAME}/get`, images.save),
  route("GET", `/images/${NAME}/history`, images.history),
  route("POST", `/images/${NAME}/tag`, images.tag),
  route("POST", `/images/${NAME}/push`, images.push),
  route("DELETE", `/images/${NAME}`, images.remove),

  route("GET", "/volumes", volumes.list),
  route("POST", "/volumes/create", volumes.create),
  route("POST", "/volumes/prune", volumes.prune),
  route("GET", `/volumes/${ID}`, volumes.inspect),
  route("DELETE", `/volumes/${ID}`, volumes.remove),

  route("GET", "/networks", networks.list),
  route("POST", "/networks/create", networks.create),
  route("POST", "/networks/prune", networks.prune),
  route("GET", `/networks/${ID}`, networks.inspect),
  route("DELETE", `/networks/${ID}`, networks.remove),
  route("POST", `/networks/${ID}/connect`, networks.connect),
  route("POST", `/networks/${ID}/disconnect`, networks.disconnect),
  route("POST", "/build/prune", networks.pruneBuildCache),

  route("POST", "/swarm/(init|join)", swarm.swarmRefused),
  ...["GET", "POST", "DELETE"].map((method) =>
    route(method, "/(swarm|services|nodes|tasks|secrets|configs)(/.*)?", swarm.notInSwarm)
  ),
];

/** A route whose handler takes over the connection (attach, exec start). */
interface HijackRoute {
  method: string;
  pattern: RegExp;
  handler: (request: attach.HijackRequest) => Promise<void>;
}

const HIJACK_ROUTES: HijackRoute[] = [
  { method: "POST", pattern: new RegExp(`^/containers/${ID}/attach$`), handler: attach.attach },
  { method: "POST", pattern: new RegExp(`^/exec/${ID}/start$`), handler: execs.start },
];

/** The hijack handler for a request, if it is one. */
export function findHijackRoute(
  method: string,
  path: string,
): { handler: HijackRoute["handler"]; params: string[] } | undefined {
  for (const candidate of HIJACK_ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (match) {
      return { handler: candidate.handler, params: match.slice(1).map(decodeURIComponent) };
    }
  }
  return undefined;
}

/** The handler for a request, with the path's captured parameters. */
export function findRoute(
  method: string,
  path: string,
): { handler: Handler; params: string[] } | undefined {
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (match) {
      return { handler: candidate.handler, params: match.slice(1).map(decodeURIComponent) };
    }
  }
  return undefined;
}
