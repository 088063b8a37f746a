import { deepStrictEqual, match, notDeepStrictEqual, ok } from "node:assert/strict";
import {
  assertNoLeaks,
  busyboxRootfs,
  eventually,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import { writeOciLayout } from "./helpers/oci_layout.ts";
import { REGISTRY_CERTS_DIR, trustRegistry, withRegistry } from "./helpers/registry.ts";
import { buildTar } from "./helpers/tar_writer.ts";

/** A parent image whose ONBUILD triggers run in the project's first stage. */
const PARENT_DOCKERFILE = `FROM busybox
ONBUILD COPY marker.txt /onbuild/marker.txt
ONBUILD RUN echo "trigger ran" > /onbuild/ran.txt
`;

/** Two stages: files made in the first, copied into the second; substitution, ignore rules. */
const PROJECT_DOCKERFILE = `# syntax=docker/dockerfile:1
ARG BASE=onbuild-parent
FROM \${BASE} AS build
ARG GREETING
ARG SUFFIX=default
ENV APP_HOME=/srv/app TEXT="\${GREETING:-hello} \${SUFFIX:+with-suffix}"
WORKDIR $APP_HOME
WORKDIR sub
COPY src/ ./src/
COPY *.txt ./txt/
COPY logs/ ./logs/
ADD bundle.tar.gz /unpacked/
RUN echo "$TEXT" > greeting.txt \\
 && echo "built by $(id -u)"

FROM busybox AS final
COPY --from=build --chown=1000:1000 /srv/app/sub/ /app/
COPY --from=build /onbuild/ /onbuild/
COPY --from=build /unpacked/ /app/unpacked/
WORKDIR /app
USER 1000:1000
VOLUME /data
EXPOSE 8080/tcp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s CMD test -f /app/greeting.txt
ENTRYPOINT ["cat"]
CMD ["/app/greeting.txt"]
`;

/** Write the project (and the parent's Dockerfile) into `dir`. */
async function writeProject(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.mkdir(`${dir}/logs`);
  await Deno.mkdir(`${dir}/bundle/inner`, { recursive: true });
  const files: Record<string, string> = {
    "Dockerfile": PROJECT_DOCKERFILE,
    "Dockerfile.parent": PARENT_DOCKERFILE,
    ".dockerignore": "**/*.key\nlogs\n!logs/keep.log\nbundle\n",
    "src/a.txt": "a\n",
    "src/b.txt": "b\n",
    "src/secret.key": "never sent\n",
    "logs/x.log": "left out\n",
    "logs/keep.log": "kept\n",
    "marker.txt": "marker\n",
    "one.txt": "1\n",
    "two.txt": "2\n",
    "bundle/inner/file.txt": "from the archive\n",
  };
  for (const [path, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  const tar = await runCommand("tar", ["-C", `${dir}/bundle`, "-czf", `${dir}/bundle.tar.gz`, "."]);
  deepStrictEqual(tar.code, 0, tar.stderr);
}

/** The docker CLI's classic builder path against the daemon. */
function docker(daemon: TestDaemon, args: string[], timeoutMs = 120_000) {
  return runCommand("docker", args, {
    env: { DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: "0" },
    timeoutMs,
  });
}

async function dockerOk(daemon: TestDaemon, args: string[]): Promise<string> {
  const result = await docker(daemon, args);
  deepStrictEqual(result.code, 0, `docker ${args.join(" ")}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Start `docker build dir` and wait until its RUN step's container runs. */
async function buildWithStepRunning(daemon: TestDaemon, dir: string): Promise<Deno.ChildProcess> {
  const client = new Deno.Command("docker", {
    args: ["build", dir],
    env: { DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: "0" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  await eventually(
    async () => (await dockerOk(daemon, ["ps", "-q"])).trim() !== "",
    20_000,
    "the step running",
  );
  return client;
}

/** What the built image holds, one line per fact. */
const CHECK_SCRIPT = [
  "ls /app/src | tr '\\n' ' '",
  "echo",
  "ls /app/txt | tr '\\n' ' '",
  "echo",
  "ls /app/logs | tr '\\n' ' '",
  "echo",
  "cat /app/unpacked/inner/file.txt /onbuild/ran.txt /onbuild/marker.txt",
  "stat -c %u:%g /app/greeting.txt",
  "id -u",
].join("; ");

integrationTest(
  "docker build (classic): a multi-stage Dockerfile with ONBUILD, ARG/ENV substitution, WORKDIR, COPY --from/--chown, wildcards, ADD of a local tar, .dockerignore; the image runs as written; a second build is all cache hits, a changed file misses from its COPY on",
  async (daemon) => {
    const dir = `${daemon.dir}/project`;
    await writeProject(dir);
    await dockerOk(daemon, [
      "build",
      "-f",
      `${dir}/Dockerfile.parent`,
      "-t",
      "onbuild-parent",
      dir,
    ]);
    const build = async () =>
      await dockerOk(daemon, [
        "build",
        "--build-arg",
        "GREETING=hi-from-arg",
        "--label",
        "built.by=test",
        "-t",
        "app:1",
        dir,
      ]);
    const first = await build();
    match(first, /Step 1\/24 : FROM \$\{BASE\} AS build/);
    match(first, /# Executing 2 build triggers/);
    match(first, /built by 0\n/);
    match(first, /Successfully tagged app:1\n/);

    const run = await dockerOk(daemon, ["run", "--rm", "app:1"]);
    deepStrictEqual(run, "hi-from-arg with-suffix\n");
    const facts = await dockerOk(daemon, [
      "run",
      "--rm",
      "--entrypoint",
      "sh",
      "app:1",
      "-c",
      CHECK_SCRIPT,
    ]);
    deepStrictEqual(facts.split("\n"), [
      "a.txt b.txt ",
      "marker.txt one.txt two.txt ",
      "keep.log ",
      "from the archive",
      "trigger ran",
      "marker",
      "1000:1000",
      "1000",
      "",
    ]);
    const config = JSON.parse(
      await dockerOk(daemon, ["image", "inspect", "-f", "{{json .Config}}", "app:1"]),
    );
    deepStrictEqual(
      [
        config.User,
        config.WorkingDir,
        config.ExposedPorts,
        config.Volumes,
        config.StopSignal,
        config.Entrypoint,
        config.Cmd,
        config.Labels,
        config.Healthcheck,
      ],
      [
        "1000:1000",
        "/app",
        { "8080/tcp": {} },
        { "/data": {} },
        "SIGTERM",
        ["cat"],
        ["/app/greeting.txt"],
        { "built.by": "test" },
        { Test: ["CMD-SHELL", "test -f /app/greeting.txt"], Interval: 30e9 },
      ],
    );
    const history = await dockerOk(daemon, [
      "history",
      "--no-trunc",
      "--format",
      "{{.CreatedBy}}",
      "app:1",
    ]);
    match(history, /^\/bin\/sh -c #\(nop\) LABEL built\.by=test\n/);
    match(history, /#\(nop\) ENTRYPOINT \["cat"\]/);
    match(history, /#\(nop\) COPY --from=build --chown=1000:1000 dir:[0-9a-f]{64} in \/app\//);

    // Unchanged: every step from the cache, the same image.
    const id = (await dockerOk(daemon, ["image", "inspect", "-f", "{{.Id}}", "app:1"])).trim();
    const again = await build();
    ok(!again.includes("Running in"), again);
    deepStrictEqual(again.match(/Using cache/g)?.length, 24, again);
    deepStrictEqual(
      (await dockerOk(daemon, ["image", "inspect", "-f", "{{.Id}}", "app:1"])).trim(),
      id,
    );
    // A changed source: cache up to the COPY that reads it, new steps from there.
    await Deno.writeTextFile(`${dir}/src/a.txt`, "changed\n");
    const changed = await build();
    match(changed, /Step 7\/24 : COPY src\/ \.\/src\/\n ---> [0-9a-f]{12}\n/);
    match(changed, /Step 6\/24 : WORKDIR sub\n ---> Using cache\n/);
    match(changed, /Running in/);
    notDeepStrictEqual(
      (await dockerOk(daemon, ["image", "inspect", "-f", "{{.Id}}", "app:1"])).trim(),
      id,
    );
    deepStrictEqual(await dockerOk(daemon, ["ps", "-aq"]), "");
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "a failing RUN reports its exit code and output and leaves no container or image; COPY refuses a symlink out of the context and keeps inner ones as links; parse errors, ADD of a URL, a client that goes away and a daemon killed mid-build",
  async (daemon) => {
    const dir = `${daemon.dir}/failing`;
    await Deno.mkdir(`${dir}/linked`, { recursive: true });
    for (const [target, link] of [["/etc/passwd", "outside"], ["/etc/shadow", "linked/inner"]]) {
      deepStrictEqual((await runCommand("ln", ["-s", target, `${dir}/${link}`])).code, 0);
    }
    const images = async () => (await dockerOk(daemon, ["images", "-aq"])).split("\n").sort();
    const before = await images();

    await Deno.writeTextFile(
      `${dir}/Dockerfile`,
      "FROM busybox\nRUN echo about-to-fail && exit 7\n",
    );
    const failed = await docker(daemon, ["build", "-t", "never", dir]);
    deepStrictEqual(failed.code, 7, failed.stderr);
    match(failed.stdout, /about-to-fail\n/);
    match(
      failed.stderr,
      /The command '\/bin\/sh -c echo about-to-fail && exit 7' returned a non-zero code: 7/,
    );
    deepStrictEqual(await dockerOk(daemon, ["ps", "-aq"]), "");
    deepStrictEqual(await images(), before);

    await Deno.writeTextFile(`${dir}/Dockerfile`, "FROM busybox\nCOPY outside /x\n");
    const escaped = await docker(daemon, ["build", dir]);
    deepStrictEqual(escaped.code, 1);
    match(
      escaped.stderr,
      /COPY failed: file not found in build context or excluded by \.dockerignore: stat outside/,
    );

    await Deno.writeTextFile(`${dir}/Dockerfile`, "FROM busybox\nCOPY linked /d\n");
    await dockerOk(daemon, ["build", "-t", "links", dir]);
    deepStrictEqual(
      await dockerOk(daemon, ["run", "--rm", "links", "readlink", "/d/inner"]),
      "/etc/shadow\n",
    );

    const parse = await runCommand("docker", ["build", "-"], {
      stdin: "FROM busybox\nFETCH something\n",
      env: { DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: "0" },
    });
    deepStrictEqual(parse.code, 1);
    match(parse.stderr, /dockerfile parse error line 2: unknown instruction: FETCH/);
    const url = await runCommand("docker", ["build", "-"], {
      stdin: "FROM busybox\nADD https://example.com/x /x\n",
      env: { DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: "0" },
    });
    deepStrictEqual(url.code, 1);
    match(url.stderr, /ADD of a URL \(https:\/\/example\.com\/x\) is not supported/);

    // The client goes away while a step runs: the step's container goes too.
    await Deno.writeTextFile(`${dir}/Dockerfile`, "FROM busybox\nRUN sleep 60\n");
    const client = await buildWithStepRunning(daemon, dir);
    client.kill("SIGKILL");
    await client.status;
    await eventually(
      async () => (await dockerOk(daemon, ["ps", "-aq"])).trim() === "",
      20_000,
      "the cancelled step's container removed",
    );

    // The daemon killed mid-build: the next one removes the step's container.
    const orphaned = await buildWithStepRunning(daemon, dir);
    await daemon.kill9();
    await orphaned.status;
    await daemon.startProcess();
    deepStrictEqual(await dockerOk(daemon, ["ps", "-aq"]), "");
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "docker-py (a path, a bare Dockerfile, a custom gzip context), docker-compose 1.29 and berth build the same project; intermediate images are hidden, rmi takes a build's chain with it, builder prune reports what it freed",
  async (daemon) => {
    const dir = `${daemon.dir}/clients`;
    await writeProject(dir);
    await daemon.ok(["build", "-q", "-f", `${dir}/Dockerfile.parent`, "-t", "onbuild-parent", dir]);

    const py = await runCommand("python3", [
      "-c",
      `import docker, io, tarfile
client = docker.DockerClient(base_url="${daemon.host}")
image, logs = client.images.build(path="${dir}", tag="py:1", buildargs={"GREETING": "from-py"},
    labels={"via": "docker-py"}, rm=True, network_mode="none", extra_hosts={"db": "10.0.0.9"})
print(image.labels["via"])
print(client.containers.run(image.id, remove=True).decode(), end="")
try:
    client.images.build(path="${dir}", dockerfile="Dockerfile.missing")
except docker.errors.APIError as error:
    print(error.status_code, error.explanation)
bare = io.BytesIO(b'FROM busybox\\nRUN echo from-fileobj > /f\\nCMD ["cat", "/f"]\\n')
client.images.build(fileobj=bare, tag="py:fileobj", rm=True)
print(client.containers.run("py:fileobj", remove=True).decode(), end="")
packed = io.BytesIO()
with tarfile.open(fileobj=packed, mode="w:gz") as tar:
    for name, data in [("Dockerfile", b'FROM busybox\\nCOPY x /x\\nCMD ["cat", "/x"]\\n'), ("x", b"custom-context\\n")]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
packed.seek(0)
client.images.build(fileobj=packed, custom_context=True, encoding="gzip", tag="py:custom", rm=True)
print(client.containers.run("py:custom", remove=True).decode(), end="")
`,
    ]);
    deepStrictEqual(py.code, 0, py.stderr);
    deepStrictEqual(py.stdout.split("\n"), [
      "docker-py",
      "from-py with-suffix",
      "400 Cannot locate specified Dockerfile: Dockerfile.missing",
      "from-fileobj",
      "custom-context",
      "",
    ]);

    await Deno.writeTextFile(
      `${dir}/docker-compose.yml`,
      `version: "3.7"
services:
  app:
    build:
      context: .
      dockerfile: Dockerfile
      target: build
      args:
        GREETING: from-compose
    image: composed:1
    command: ["cat", "/srv/app/sub/greeting.txt"]
`,
    );
    const project = `bb${crypto.randomUUID().slice(0, 6)}`;
    const compose = (args: string[]) =>
      runCommand("docker-compose", [
        "--no-ansi",
        "-f",
        `${dir}/docker-compose.yml`,
        "-p",
        project,
        ...args,
      ], {
        env: { DOCKER_HOST: daemon.host },
        timeoutMs: 120_000,
      });
    const up = await compose(["up", "--build", "--abort-on-container-exit"]);
    deepStrictEqual(up.code, 0, up.stdout + up.stderr);
    match(up.stdout, /from-compose with-suffix/);
    // target: build is the first stage: no final-stage step ran.
    ok(!up.stdout.includes("ENTRYPOINT"), up.stdout);
    deepStrictEqual((await compose(["down"])).code, 0);

    const iidfile = `${daemon.dir}/iid`;
    const quiet = await daemon.ok(["build", "-q", "--iidfile", iidfile, "-t", "cli:1", dir]);
    deepStrictEqual(quiet.trim(), await Deno.readTextFile(iidfile));
    match(quiet, /^sha256:[0-9a-f]{64}\n$/);
    deepStrictEqual(await daemon.ok(["run", "--rm", "cli:1"]), "hello with-suffix\n");

    // Steps are images: hidden from `images`, listed with -a.
    const listed = (await daemon.ok(["images", "-q"])).trim().split("\n");
    const all = (await daemon.ok(["images", "-aq"])).trim().split("\n");
    ok(all.length > listed.length + 10, `${all.length} vs ${listed.length}`);

    // A rebuild with a change leaves the old chain dangling: the cache to prune.
    await Deno.writeTextFile(`${dir}/src/b.txt`, "changed\n");
    await daemon.ok(["build", "-q", "-t", "cli:1", dir]);
    const pruned = await daemon.ok(["builder", "prune", "-f"]);
    match(pruned, /Deleted build cache objects:\nsha256:/);
    match(pruned, /Total reclaimed space: [1-9][0-9.]*[kM]?B/);
    const removed = await daemon.ok(["rmi", "cli:1"]);
    ok(removed.split("\n").filter((line) => line.startsWith("Deleted:")).length > 5, removed);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "build options reach the RUN steps (--network none, --add-host, --shm-size, -m); gzip, bzip2 and xz contexts on stdin; --cache-from after builder prune -a reuses every step; another platform refused",
  async (daemon) => {
    const dir = `${daemon.dir}/options`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(
      `${dir}/Dockerfile`,
      "FROM busybox\nRUN grep -c . /proc/net/dev; grep db.example /etc/hosts; " +
        "df -k /dev/shm | tail -1; cat /sys/fs/cgroup/memory/memory.limit_in_bytes\n",
    );
    const options = await dockerOk(daemon, [
      "build",
      "--network",
      "none",
      "--add-host",
      "db.example:10.1.2.3",
      "--shm-size",
      "32m",
      "-m",
      "64m",
      dir,
    ]);
    match(
      options,
      /Running in [0-9a-f]{12}\n3\n10\.1\.2\.3\s+db\.example\n\S+\s+32768\s.*\n67108864\n/,
    );

    await Deno.writeTextFile(
      `${dir}/Dockerfile`,
      'FROM busybox\nCOPY hello.txt /\nCMD ["cat", "/hello.txt"]\n',
    );
    await Deno.writeTextFile(`${dir}/hello.txt`, "hello from a compressed context\n");
    for (const [flag, name] of [["z", "gz"], ["j", "bz2"], ["J", "xz"]]) {
      const archive = `${daemon.dir}/context.tar.${name}`;
      const tar = await runCommand("tar", [
        `-c${flag}f`,
        archive,
        "-C",
        dir,
        "Dockerfile",
        "hello.txt",
      ]);
      deepStrictEqual(tar.code, 0, tar.stderr);
      const built = await runCommand("docker", ["build", "-t", `ctx:${name}`, "-"], {
        stdin: await Deno.readFile(archive),
        env: { DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: "0" },
      });
      deepStrictEqual(built.code, 0, built.stderr);
      deepStrictEqual(
        await dockerOk(daemon, ["run", "--rm", `ctx:${name}`]),
        "hello from a compressed context\n",
        name,
      );
    }

    await Deno.writeTextFile(
      `${dir}/Dockerfile`,
      "FROM busybox\nRUN echo step-ran > /made\nENV MODE=cached\nCMD cat /made\n",
    );
    await dockerOk(daemon, ["build", "-t", "cache:1", dir]);
    const id = (await dockerOk(daemon, ["image", "inspect", "-f", "{{.Id}}", "cache:1"])).trim();
    match(await daemon.ok(["builder", "prune", "-a", "-f"]), /Deleted build cache objects:/);
    deepStrictEqual(
      (await dockerOk(daemon, ["history", "-q", "cache:1"])).split("\n").slice(1, 3),
      ["<missing>", "<missing>"],
    );
    const reused = await dockerOk(daemon, [
      "build",
      "--cache-from",
      "cache:1",
      "-t",
      "cache:2",
      dir,
    ]);
    ok(!reused.includes("Running in"), reused);
    deepStrictEqual(reused.match(/Using cache/g)?.length, 3, reused);
    deepStrictEqual(
      (await dockerOk(daemon, ["image", "inspect", "-f", "{{.Id}}", "cache:2"])).trim(),
      id,
    );
    deepStrictEqual(await dockerOk(daemon, ["run", "--rm", "cache:2"]), "step-ran\n");

    const platform = await docker(daemon, ["build", "--platform", "linux/s390x", dir]);
    deepStrictEqual(platform.code, 1);
    match(platform.stderr, /berth builds for linux\/amd64 only/);
    deepStrictEqual(await dockerOk(daemon, ["ps", "-aq"]), "");
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "FROM an image only in a private registry (TLS, basic auth): docker build pulls it with the credentials of docker login (X-Registry-Config), --pull pulls again",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const untrust = await trustRegistry(registry);
      try {
        const layout = await writeOciLayout(`${daemon.dir}/layout`, [
          { tar: await Deno.readFile(await busyboxRootfs()), gzip: true },
          { tar: buildTar([{ path: "srv/base", content: "from the registry\n" }]) },
        ]);
        await registry.push(layout.dir, "test/base:v1", { credentials: "tester:s3cret" });
        const dir = `${daemon.dir}/pulling`;
        await Deno.mkdir(dir);
        await Deno.writeTextFile(
          `${dir}/Dockerfile`,
          `FROM ${registry.host}/test/base:v1\nRUN cat /srv/base > /copied\nCMD ["cat", "/copied"]\n`,
        );
        const docker = (args: string[], stdin?: string) =>
          runCommand("docker", ["--config", `${daemon.dir}/docker-config`, ...args], {
            env: { DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: "0" },
            stdin,
          });
        const denied = await docker(["build", dir]);
        deepStrictEqual(denied.code, 1);
        match(denied.stderr, /pull access denied|unauthorized|401/i);
        const login = await docker(
          ["login", "-u", "tester", "--password-stdin", registry.host],
          "s3cret\n",
        );
        deepStrictEqual(login.code, 0, login.stderr);
        const built = await docker(["build", "-t", "pulled:1", dir]);
        deepStrictEqual(built.code, 0, built.stderr);
        match(built.stdout, /Pulling from test\/base/);
        deepStrictEqual(await dockerOk(daemon, ["run", "--rm", "pulled:1"]), "from the registry\n");
        const again = await docker(["build", "--pull", "-t", "pulled:1", dir]);
        deepStrictEqual(again.code, 0, again.stderr);
        match(again.stdout, /Pulling from test\/base/);
        match(again.stdout, /Using cache/);
        await assertNoLeaks(daemon);
      } finally {
        await untrust();
      }
    }, { auth: { username: "tester", password: "s3cret" } });
  },
  { daemonFlags: ["--certs-dir", REGISTRY_CERTS_DIR], runtimes: ["runc"] },
);
