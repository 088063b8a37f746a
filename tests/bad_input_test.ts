import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";
import { buildTar } from "./helpers/tar_writer.ts";

async function apiError(
  daemon: TestDaemon,
  method: string,
  path: string,
  body?: string | Uint8Array,
) {
  const response = await daemon.api(method, path, body);
  const text = await response.text();
  return { status: response.status, message: JSON.parse(text).message as string };
}

/** Nothing half-made: no container record or dir, mount, shim, cgroup or image. */
async function assertNothingMade(daemon: TestDaemon, images = 1): Promise<void> {
  deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");
  deepStrictEqual(
    (await daemon.ok(["images", "-q"])).trim().split("\n").filter(Boolean).length,
    images,
  );
  deepStrictEqual([...Deno.readDirSync(`${daemon.root}/layers/tmp`)], []);
  await assertNoLeaks(daemon);
}

integrationTest(
  "unknown image, container and runtime are refused with docker's errors",
  async (daemon) => {
    // As docker: a missing image is pulled first; Docker Hub is out of reach here.
    const noImage = await daemon.berth(["run", "nosuchimage"]);
    deepStrictEqual(noImage.code, 125);
    match(noImage.stderr, /Unable to find image 'nosuchimage:latest' locally/);
    match(
      noImage.stderr,
      /Get "https:\/\/registry-1\.docker\.io\/v2\/library\/nosuchimage\/manifests\/latest": dial tcp|pull access denied/,
    );
    const noTag = await daemon.berth(["create", "busybox:nosuchtag"]);
    deepStrictEqual(noTag.code, 125);
    match(noTag.stderr, /Unable to find image 'busybox:nosuchtag' locally/);
    deepStrictEqual(
      await apiError(daemon, "POST", "/containers/create", JSON.stringify({ Image: "nope:1" })),
      {
        status: 404,
        message: "No such image: nope:1",
      },
    );

    for (
      const verb of [
        "start",
        "stop",
        "kill",
        "restart",
        "pause",
        "unpause",
        "wait",
        "logs",
        "rm",
        "inspect",
      ]
    ) {
      const result = await daemon.berth([verb, "ghost"]);
      deepStrictEqual(result.code, 1, `${verb} ghost`);
      match(result.stderr, /No such (container|object): ghost/, `${verb} ghost`);
    }
    deepStrictEqual(await apiError(daemon, "POST", "/v1.45/containers/ghost/start"), {
      status: 404,
      message: "No such container: ghost",
    });

    const badRuntime = await daemon.berth(["run", "--runtime", "kata", "busybox", "true"]);
    deepStrictEqual(badRuntime.code, 125);
    match(badRuntime.stderr, /Unknown runtime specified kata/);
    await assertNothingMade(daemon);
  },
);

integrationTest(
  "a name in use, an invalid name and malformed requests are refused",
  async (daemon) => {
    await daemon.ok(["create", "--name", "taken", "busybox", "true"]);
    const clash = await daemon.berth(["run", "--name", "taken", "busybox", "true"]);
    deepStrictEqual(clash.code, 125);
    match(
      clash.stderr,
      /Conflict. The container name "\/taken" is already in use by container "[a-f0-9]{64}"/,
    );
    deepStrictEqual((await daemon.ok(["ps", "-aq"])).trim().split("\n").length, 1);
    await daemon.ok(["rm", "taken"]);

    const badName = await daemon.berth(["create", "--name", "-bad!", "busybox"]);
    deepStrictEqual(badName.code, 125);
    match(badName.stderr, /Invalid container name/);

    deepStrictEqual(
      (await apiError(daemon, "POST", "/containers/create", "{not json")).status,
      400,
    );
    deepStrictEqual((await apiError(daemon, "POST", "/containers/create", "[1,2]")).status, 400);
    const id = (await daemon.ok(["create", "busybox", "sleep", "100"])).trim();
    deepStrictEqual((await apiError(daemon, "POST", `/containers/${id}/stop?t=soon`)).status, 400);
    const name = (await daemon.ok(["inspect", "-f", "{{.Name}}", id])).trim().slice(1);
    deepStrictEqual(await apiError(daemon, "POST", `/containers/${id}/kill?signal=TERM`), {
      status: 409,
      message: `Cannot kill container: ${name}: Container ${id} is not running`,
    });
    deepStrictEqual(
      (await apiError(daemon, "GET", `/containers/${id}/logs?stdout=1&tail=many`)).status,
      400,
    );
    deepStrictEqual((await apiError(daemon, "GET", "/containers/json?filters={oops")).status, 400);
    deepStrictEqual(
      (await apiError(daemon, "GET", '/containers/json?filters={"colour":["red"]}')).status,
      400,
    );
    deepStrictEqual(
      (await apiError(daemon, "POST", `/containers/${id}/wait?condition=someday`)).status,
      400,
    );
    deepStrictEqual((await apiError(daemon, "GET", "/v9.99/info")).status, 400);
    deepStrictEqual((await apiError(daemon, "GET", "/no/such/route")).status, 404);
    await daemon.ok(["start", id]);
    deepStrictEqual(await apiError(daemon, "POST", `/containers/${id}/kill?signal=SIGNOPE`), {
      status: 400,
      message: "Invalid signal: SIGNOPE",
    });
    await daemon.ok(["rm", "-f", id]);
    await assertNothingMade(daemon);
  },
);

integrationTest("an import body that is not a tar leaves nothing behind", async (daemon) => {
  const notTar = await daemon.berth(["import", "-", "junk"], {
    stdin: "this is not a tar archive\n".repeat(50),
  });
  deepStrictEqual(notTar.code, 1);
  match(notTar.stderr, /not a tar archive/);
  const empty = await apiError(
    daemon,
    "POST",
    "/images/create?fromSrc=-&repo=empty",
    new Uint8Array(0),
  );
  deepStrictEqual(empty.status, 400);
  // A tar that breaks off in the middle of a file.
  const tar = await Deno.readFile(
    await import("./helpers/harness.ts").then((m) => m.busyboxRootfs()),
  );
  const truncated = await daemon.berth(["import", "-", "cut"], { stdin: tar.subarray(0, 700_000) });
  deepStrictEqual(truncated.code, 1);
  match(truncated.stderr, /invalid tar archive/);
  const badChange = await daemon.berth(["import", "--change", "RUN rm -rf /", "-", "x"], {
    stdin: tar,
  });
  deepStrictEqual(badChange.code, 1);
  match(badChange.stderr, /RUN is not a valid change command/);
  deepStrictEqual(await daemon.ok(["images", "--format", "{{.Repository}}"]), "busybox\n");
  await assertNothingMade(daemon);
});

integrationTest(
  "attach and exec refuse stopped and paused containers with docker's messages",
  async (daemon) => {
    await daemon.ok(["run", "-d", "--name", "done", "busybox", "true"]);
    await daemon.ok(["wait", "done"]);
    await daemon.ok(["run", "-d", "--name", "held", "busybox", "sleep", "100"]);
    await daemon.ok(["pause", "held"]);
    const cases: [string[], RegExp][] = [
      [["attach", "done"], /You cannot attach to a stopped container, start it first/],
      [["attach", "held"], /You cannot attach to a paused container, unpause it first/],
      [["exec", "done", "true"], /Container [0-9a-f]{64} is not running/],
      [["exec", "held", "true"], /is paused, unpause the container before exec/],
      [["exec", "nosuch", "true"], /No such container: nosuch/],
      [["top", "done"], /is not running/],
    ];
    for (const [args, message] of cases) {
      const result = await daemon.berth(args);
      deepStrictEqual(result.code, 1, `berth ${args.join(" ")}`);
      match(result.stderr, message);
    }
    // The API answers 409 before any upgrade.
    const paused = await daemon.api("POST", "/containers/held/attach?stream=1&stdout=1");
    deepStrictEqual(paused.status, 409);
    const exec = await daemon.api(
      "POST",
      "/containers/done/exec",
      JSON.stringify({ Cmd: ["true"] }),
    );
    deepStrictEqual(exec.status, 409);
    await daemon.ok(["rm", "-f", "done", "held"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "long names stay out of paths, archive paths are taken from the root, bad digests and closed registries are said as docker says them",
  async (daemon) => {
    // A 300-character container name (docker takes it too) and volume name.
    const name = "n".repeat(300);
    const volume = "v".repeat(300);
    await daemon.ok([
      "run",
      "-d",
      "--name",
      name,
      "-v",
      `${volume}:/data`,
      "busybox",
      "sleep",
      "100",
    ]);
    deepStrictEqual(
      await daemon.ok(["exec", name, "sh", "-c", "echo kept > /data/f; cat /data/f"]),
      "kept\n",
    );
    await daemon.ok(["rename", name, `${name}x`]);
    const [inspected] = JSON.parse(await daemon.ok(["volume", "inspect", volume]));
    ok(inspected.Mountpoint.split("/").every((part: string) => part.length <= 255));
    deepStrictEqual(await Deno.readTextFile(`${inspected.Mountpoint}/f`), "kept\n");

    // Archive paths: relative ones are taken from /, for reads and writes; none is a 400.
    const relative = await daemon.api("GET", `/containers/${name}x/archive?path=etc/hostname`);
    deepStrictEqual(relative.status, 200);
    ok((await relative.text()).includes("hostname"));
    deepStrictEqual(
      (await daemon.api("HEAD", `/containers/${name}x/archive?path=etc/hostname`)).status,
      200,
    );
    const tar = buildTar([{ path: "put-relative", content: "in /tmp\n" }]);
    const put = await daemon.api("PUT", `/containers/${name}x/archive?path=tmp`, tar);
    deepStrictEqual(put.status, 200);
    deepStrictEqual(await daemon.ok(["exec", `${name}x`, "cat", "/tmp/put-relative"]), "in /tmp\n");
    const noPath = await daemon.api("GET", `/containers/${name}x/archive`);
    deepStrictEqual(noPath.status, 400);
    match((await noPath.json()).message, /required query parameter 'path' was not provided/);

    await daemon.ok(["rm", "-f", "-v", `${name}x`]);
    await daemon.ok(["volume", "rm", volume]);
    deepStrictEqual(await Deno.stat(inspected.Mountpoint).catch(() => "gone"), "gone");

    // A digest that is not hex is no reference; a closed port says so as docker does.
    const badDigest = await daemon.berth(["pull", `busybox@sha256:${"g".repeat(64)}`]);
    deepStrictEqual(badDigest.code, 1);
    match(badDigest.stderr, /invalid reference format/);
    const closed = await daemon.api("POST", "/images/create?fromImage=127.0.0.1:1/app&tag=v1");
    deepStrictEqual(closed.status, 500);
    match(
      (await closed.json()).message,
      /^Get "https?:\/\/127\.0\.0\.1:1\/v2\/app\/manifests\/v1": dial tcp 127\.0\.0\.1:1: connect: connection refused$/,
    );
    await assertNoLeaks(daemon);
  },
);
