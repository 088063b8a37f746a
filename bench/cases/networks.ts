/**
 * Multi-container work: `network connect` of a running container (a veth,
 * its address and routes, /etc/hosts rewritten) timed per engine, and
 * Debian's docker-compose 1.29 bringing up a three-service project on two
 * networks (`up -d`; `down -v` between rounds, untimed) against berth and,
 * with peers, docker 20.10 — both on runc, compose talking to each API.
 * @module
 */

import { timedShell } from "../bench_support.ts";
import { type Engine, engineOk, shellLine } from "../engines.ts";
import type { Comparison } from "../report.ts";
import { alternate, summarizeAll } from "../stats.ts";
import { allEngines, type BenchContext } from "./context.ts";
import { runCommand } from "../../tests/helpers/harness.ts";
import { threeServiceProject } from "../../tests/helpers/compose_project.ts";

/** `flags` without `--network X`. */
function withoutNetworkFlag(flags: string[]): string[] {
  const at = flags.indexOf("--network");
  return at < 0 ? flags : [...flags.slice(0, at), ...flags.slice(at + 2)];
}

/** Time `network connect` of a running container, disconnecting it between rounds. */
async function connectTimes(context: BenchContext, engines: Engine[]) {
  const containers = new Map<string, string>();
  // berth+runc and berth+crun share a daemon: one network per daemon.
  const daemons = new Map<string | undefined, Engine>();
  for (const engine of engines) {
    if (daemons.has(engine.apiSocket)) continue;
    daemons.set(engine.apiSocket, engine);
    await engineOk(engine, ["network", "create", "benchnet"]);
  }
  for (const engine of engines) {
    // On its default network (the engines' runFlags say none, which cannot connect).
    const id = (await engineOk(engine, [
      "run",
      "-d",
      ...withoutNetworkFlag(engine.runFlags),
      "busybox",
      "sleep",
      "100000",
    ])).trim();
    containers.set(engine.name, id);
  }
  try {
    const byName = new Map(engines.map((engine) => [engine.name, engine]));
    return await alternate(engines.map((engine) => engine.name), context.runs, async (name) => {
      const engine = byName.get(name)!;
      const id = containers.get(name)!;
      const elapsed = await timedShell(
        shellLine(engine, ["network", "connect", "benchnet", id]),
        engine.env,
      );
      await engineOk(engine, ["network", "disconnect", "benchnet", id]);
      return elapsed;
    });
  } finally {
    for (const engine of engines) {
      const id = containers.get(engine.name);
      if (id) await engineOk(engine, ["rm", ...engine.removeFlags, id]);
    }
    for (const engine of daemons.values()) await engineOk(engine, ["network", "rm", "benchnet"]);
  }
}

/** Time compose `up -d` of the project against each engine's API socket. */
async function composeTimes(context: BenchContext, engines: Engine[]) {
  const dir = `${context.workDir}/compose`;
  await Deno.mkdir(dir, { recursive: true });
  const files = new Map<string, string>();
  engines.forEach((engine, index) => {
    const file = `${dir}/${index}.yml`;
    Deno.writeTextFileSync(file, threeServiceProject(39100 + index));
    files.set(engine.name, file);
  });
  const compose = (engine: Engine, args: string[]) =>
    [
      "docker-compose",
      "--no-ansi",
      "-p",
      "benchproject",
      "-f",
      files.get(engine.name)!,
      ...args,
    ].join(" ");
  const env = (engine: Engine) => ({ DOCKER_HOST: `unix://${engine.apiSocket}` });
  const byName = new Map(engines.map((engine) => [engine.name, engine]));
  return await alternate(engines.map((engine) => engine.name), context.runs, async (name) => {
    const engine = byName.get(name)!;
    const elapsed = await timedShell(compose(engine, ["up", "-d"]), env(engine));
    const down = await runCommand("bash", ["-c", compose(engine, ["down", "-v", "-t", "0"])], {
      env: env(engine),
      timeoutMs: 120_000,
    });
    if (down.code !== 0) throw new Error(`${name}: compose down failed: ${down.stderr}`);
    return elapsed;
  });
}

/** The network connect and compose rows. */
export async function networksCase(context: BenchContext): Promise<Comparison[]> {
  const connectEngines = allEngines(context).filter((engine) => engine !== context.podman);
  console.error(`networks: network connect, ${context.runs} rounds on ${connectEngines.length}`);
  const connect = summarizeAll(await connectTimes(context, connectEngines));
  // compose needs a docker API: berth (its daemon runs runc by default) and docker.
  const composeEngines = [context.berthRunc, ...(context.docker ? [context.docker] : [])];
  console.error(`networks: compose up -d, ${context.runs} rounds`);
  const up = summarizeAll(await composeTimes(context, composeEngines));
  context.raw.networks = { connect, composeUp: up };
  const figure = (summaries: typeof connect, engine: Engine) => ({
    system: engine.name,
    summary: summaries[engine.name],
  });
  const rows: Comparison[] = [context.berthRunc, context.berthCrun].map((engine) => ({
    case: "network connect of a running container",
    chart: "network connect",
    unit: "ms",
    berth: figure(connect, engine),
    peer: context.docker ? figure(connect, context.docker) : undefined,
  }));
  rows.push({
    case: "docker-compose up -d: 3 services, 2 networks, a volume, a port",
    chart: "compose up -d",
    unit: "ms",
    berth: figure(up, context.berthRunc),
    peer: context.docker ? figure(up, context.docker) : undefined,
  });
  return rows;
}
