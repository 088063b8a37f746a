/**
 * The exec routes: create, start (hijacked, or detached), resize, inspect.
 * @module
 */

import { resizePty, windowSize } from "../../containers/resize.ts";
import { createExec } from "../../execs/create_exec.ts";
import { type ExecRequest, execStateDir } from "../../execs/exec.ts";
import { inspectExec } from "../../execs/inspect_exec.ts";
import { startExec } from "../../execs/start_exec.ts";
import { BadRequest, Conflict } from "../../errors.ts";
import { type ApiRequest, readJson } from "../http.ts";
import { withFieldNames } from "../json_body.ts";
import { MULTIPLEXED, RAW_STREAM } from "../../../protocol/stream_framing.ts";
import type { HijackRequest } from "./attach.ts";

/** The fields of an exec's config, as docker spells them. */
const EXEC_REQUEST_FIELDS = [
  "AttachStdin",
  "AttachStdout",
  "AttachStderr",
  "DetachKeys",
  "Tty",
  "ConsoleSize",
  "Env",
  "Cmd",
  "Privileged",
  "User",
  "WorkingDir",
] as const;

/** POST /containers/{id}/exec */
export async function create({ context, req, params }: ApiRequest) {
  const container = context.containers.get(params[0]);
  const body = withFieldNames((await readJson(req)) as ExecRequest, EXEC_REQUEST_FIELDS);
  const exec = createExec(context, container, body);
  return { status: 201, body: { Id: exec.id } };
}

/** POST /exec/{id}/start, hijacked unless Detach. */
export async function start(
  { context, socket, params, respond, respondEmpty, body }: HijackRequest,
) {
  const exec = context.execs.get(params[0]);
  const options = (await body()) as {
    Detach?: boolean;
    Tty?: boolean;
    ConsoleSize?: [number, number];
  };
  if (typeof options !== "object" || options === null) {
    throw new BadRequest("invalid start options");
  }
  if (options.Detach) {
    await startExec(context, exec, { detach: true, consoleSize: options.ConsoleSize ?? undefined });
    respondEmpty();
    return;
  }
  // The framing follows this request's Tty, as docker's does.
  const rawStream = options.Tty === true;
  await startExec(
    context,
    exec,
    { detach: false, consoleSize: options.ConsoleSize ?? undefined, rawStream },
    { socket, respond: () => respond(rawStream ? RAW_STREAM : MULTIPLEXED) },
  );
}

/** POST /exec/{id}/resize?h=&w= */
export async function resize({ context, params, query }: ApiRequest) {
  const exec = context.execs.get(params[0]);
  if (!exec.running) throw new Conflict(`exec ${exec.id} is not running`);
  if (exec.request.Tty) {
    await resizePty(
      exec.stateDir ?? execStateDir(context, exec.id),
      exec.id,
      windowSize(query.get("h"), query.get("w")),
    );
  }
  return { status: 200 };
}

/** GET /exec/{id}/json */
export function inspect({ context, params }: ApiRequest) {
  return { status: 200, body: inspectExec(context, context.execs.get(params[0])) };
}
