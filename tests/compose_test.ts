import { deepStrictEqual, doesNotMatch, match, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  eventually,
  httpBody,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import { threeServiceProject } from "./helpers/compose_project.ts";

/** Run compose; its exit code must be `code` (its output tells why when not). */
async function expectCode(
  compose: (args: string[]) => Promise<{ code: number; all: string }>,
  args: string[],
  code: number,
): Promise<void> {
  const result = await compose(args);
  deepStrictEqual(result.code, code, `compose ${args.join(" ")}: ${result.all}`);
}

/** Debian's docker-compose 1.29 in project dir `dir` against the test daemon. */
function composeIn(daemon: TestDaemon, dir: string, project: string) {
  return async (args: string[]) => {
    const result = await runCommand(
      "docker-compose",
      ["--no-ansi", "-f", `${dir}/docker-compose.yml`, "-p", project, ...args],
      { env: { DOCKER_HOST: daemon.host } },
    );
    return { ...result, all: result.stdout + result.stderr };
  };
}

integrationTest(
  "docker-compose 1.29: up -d of three services on two networks (volume, port, names, healthcheck, depends_on), exec, logs, restart, --scale, stop/start, an up-to-date second up, down -v leaving nothing",
  async (daemon) => {
    const dir = `${daemon.dir}/project`;
    await Deno.mkdir(dir);
    const port = 30000 + crypto.getRandomValues(new Uint16Array(1))[0] % 10000;
    await Deno.writeTextFile(`${dir}/docker-compose.yml`, threeServiceProject(port));
    const project = `bt${crypto.randomUUID().slice(0, 6)}`;
    const compose = composeIn(daemon, dir, project);
    const name = (service: string, index = 1) => `${project}_${service}_${index}`;
    const berthInspect = async (format: string, container: string) =>
      (await daemon.ok(["inspect", "-f", format, container])).trim();

    const up = await compose(["up", "-d"]);
    deepStrictEqual(up.code, 0, up.all);
    doesNotMatch(up.all, /needs to be recreated|ERROR/);
    for (const service of ["web", "api", "db"]) {
      deepStrictEqual(await berthInspect("{{.State.Status}}", name(service)), "running", service);
    }
    // depends_on: api was made before web.
    ok(
      await berthInspect("{{.Created}}", name("api")) <
        await berthInspect("{{.Created}}", name("web")),
    );
    await eventually(
      async () => await berthInspect("{{.State.Health.Status}}", name("api")) === "healthy",
      30_000,
      "api healthy",
    );

    // The published port, the shared volume, names across services.
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`, 15_000), "served-from-volume\n");
    const fromWeb = await compose(["exec", "-T", "web", "wget", "-qO-", "http://api:8000/"]);
    deepStrictEqual([fromWeb.code, fromWeb.stdout], [0, "served-from-volume\n"], fromWeb.all);
    const apiOnBack = await berthInspect(
      `{{(index .NetworkSettings.Networks "${project}_back").IPAddress}}`,
      name("api"),
    );
    match((await compose(["exec", "-T", "db", "nslookup", "api"])).stdout, new RegExp(apiOnBack));
    // db is on back only: web, on front only, is not a name there.
    await expectCode(compose, ["exec", "-T", "db", "nslookup", "web"], 1);
    match((await compose(["logs", "api"])).stdout, /api ready/);

    // restart, and a second up that finds everything as its file says.
    await expectCode(compose, ["restart", "-t", "1", "api"], 0);
    await eventually(
      async () => await berthInspect("{{.State.Health.Status}}", name("api")) === "healthy",
      30_000,
      "api healthy after its restart",
    );
    const again = await compose(["up", "-d"]);
    deepStrictEqual(again.code, 0, again.all);
    for (const service of ["web", "api", "db"]) {
      match(again.all, new RegExp(`${name(service)} is up-to-date`));
    }
    doesNotMatch(again.all, /Recreating|Creating/);

    // --scale: a second db, answering to the service's name too.
    const scaled = await compose(["up", "-d", "--scale", "db=2"]);
    deepStrictEqual(scaled.code, 0, scaled.all);
    deepStrictEqual(await berthInspect("{{.State.Status}}", name("db", 2)), "running");
    const dbs = (await compose(["exec", "-T", "api", "nslookup", "db"])).stdout;
    deepStrictEqual(dbs.match(/Address: \d+\.\d+\.\d+\.\d+/g)?.length, 2, dbs);

    // stop and start: everything comes back, the port answers again.
    await expectCode(compose, ["stop", "-t", "1"], 0);
    for (const service of ["web", "api", "db"]) {
      deepStrictEqual(await berthInspect("{{.State.Status}}", name(service)), "exited", service);
    }
    await expectCode(compose, ["start"], 0);
    deepStrictEqual(await httpBody(`http://127.0.0.1:${port}/`, 15_000), "served-from-volume\n");

    const down = await compose(["down", "-v", "-t", "1"]);
    deepStrictEqual(down.code, 0, down.all);
    deepStrictEqual(await daemon.ok(["ps", "-a", "-q"]), "");
    deepStrictEqual(
      await daemon.ok(["network", "ls", "--format", "{{.Name}}"]),
      "bridge\nhost\nnone\n",
    );
    deepStrictEqual(await daemon.ok(["volume", "ls", "-q"]), "");
    await assertNoLeaks(daemon);
  },
);
