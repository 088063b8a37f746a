/**
 * Building images: a 10-step Dockerfile (ARG, ENV, WORKDIR, two COPYs, two
 * RUNs, LABEL, CMD on busybox) built cold (`--no-cache`) and fully cached
 * (the same build again), by the docker CLI's classic builder
 * (DOCKER_BUILDKIT=0) against berth's API and docker 20.10's, and by
 * `podman build` (buildah) with peers.
 * @module
 */

import { timedShell } from "../bench_support.ts";
import { type Engine, quote, shellLine } from "../engines.ts";
import type { Comparison } from "../report.ts";
import { alternate, summarizeAll } from "../stats.ts";
import type { BenchContext } from "./context.ts";

const DOCKERFILE = `FROM busybox
ARG FLAVOR=bench
ENV APP=/srv/app MODE=\${FLAVOR}
WORKDIR $APP
COPY src/ ./src/
RUN cat src/* > combined.txt && wc -c combined.txt
COPY config.txt ./
RUN echo "$MODE" >> combined.txt
LABEL bench=builds
CMD ["cat", "/srv/app/combined.txt"]
`;

async function writeProject(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/Dockerfile`, DOCKERFILE);
  await Deno.writeTextFile(`${dir}/config.txt`, "setting=1\n");
  for (let index = 0; index < 20; index++) {
    await Deno.writeTextFile(`${dir}/src/file${index}.txt`, `line ${index}\n`.repeat(100));
  }
}

/** The build command line for an engine: the docker CLI where it has a docker API. */
function buildLine(engine: Engine, dir: string, cold: boolean): string {
  const args = ["build", "-q", ...(cold ? ["--no-cache"] : []), "-t", "benchbuild", dir];
  if (engine.apiSocket) {
    return ["env", `DOCKER_HOST=unix://${engine.apiSocket}`, "DOCKER_BUILDKIT=0", "docker", ...args]
      .map(quote).join(" ");
  }
  return shellLine(engine, args);
}

/** The cold and cached build rows. */
export async function buildsCase(context: BenchContext): Promise<Comparison[]> {
  const dir = `${context.workDir}/build-project`;
  await writeProject(dir);
  const engines = [context.berthRunc, context.docker, context.podman].filter(
    (engine): engine is Engine => engine !== undefined,
  );
  const byName = new Map(engines.map((engine) => [engine.name, engine]));
  const names = engines.map((engine) => engine.name);
  console.error(`builds: cold and cached, ${context.runs} rounds on ${engines.length}`);
  const cold = summarizeAll(
    await alternate(names, context.runs, (name) => {
      const engine = byName.get(name)!;
      return timedShell(buildLine(engine, dir, true), engine.env);
    }),
  );
  const cached = summarizeAll(
    await alternate(names, context.runs, (name) => {
      const engine = byName.get(name)!;
      return timedShell(buildLine(engine, dir, false), engine.env);
    }),
  );
  context.raw.builds = { cold, cached };
  const rows: Comparison[] = [];
  const peers = [context.docker, context.podman].filter(
    (engine): engine is Engine => engine !== undefined,
  );
  for (
    const [label, summaries] of [["cold (--no-cache)", cold], ["fully cached", cached]] as const
  ) {
    for (const peer of peers.length ? peers : [undefined]) {
      rows.push({
        case: `build of a 10-step Dockerfile, ${label}`,
        chart: `build ${label.split(" ")[0]}`,
        unit: "ms",
        berth: { system: context.berthRunc.name, summary: summaries[context.berthRunc.name] },
        peer: peer ? { system: peer.name, summary: summaries[peer.name] } : undefined,
      });
    }
  }
  return rows;
}
