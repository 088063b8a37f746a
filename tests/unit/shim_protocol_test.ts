import { deepStrictEqual, match, ok, rejects } from "node:assert/strict";
import {
  configRefusal,
  encodeJsonLine,
  featuresNeeded,
  JsonLineDecoder,
  OWN_ABILITIES,
  PROTOCOL_VERSION,
  SHIM_FEATURES,
  type ShimConfig,
} from "../../protocol/shim_protocol.ts";
import { ShimConnection, ShimTooOld } from "../../runtime/shims/shim_client.ts";
import { buildShimConfig, type ShimConfigInput } from "../../runtime/containers/start.ts";
import { type Container, containerPaths } from "../../runtime/containers/container.ts";

const RUNC = { name: "runc", path: "/usr/sbin/runc", root: "/run/berth/runtime-runc" };
const CRUN = { name: "crun", path: "/usr/bin/crun", root: "/run/berth/runtime-crun" };

/** A container as buildShimConfig reads it. */
function container(
  hostConfig: Record<string, unknown>,
  config: Record<string, unknown> = {},
  log: Container["logFile"] = undefined,
): ShimConfigInput["container"] {
  const id = "c".repeat(64);
  return {
    id,
    paths: containerPaths("/var/lib/berth", id),
    logFile: log,
    record: {
      config: { Tty: false, OpenStdin: false, StdinOnce: false, ...config },
      hostConfig: {
        ConsoleSize: [0, 0],
        AutoRemove: false,
        LogConfig: { Type: "json-file", Config: {} },
        ...hostConfig,
      },
    } as unknown as Container["record"],
  };
}

function input(
  target: ShimConfigInput["container"],
  runtime = RUNC,
): ShimConfigInput {
  return {
    container: target,
    runtime,
    stateDir: `/run/berth/c/${target.id}`,
    oomEventsPath: "/sys/fs/cgroup/memory/berth/x/memory.oom_control",
    libcPath: "/lib/x86_64-linux-gnu/libc.so.6",
    maxAttachers: 16,
  };
}

Deno.test("a container's shim config: its log, tty, runtime and --rm say what the shim does", () => {
  const id = "c".repeat(64);
  const logged = buildShimConfig(input(container(
    { AutoRemove: true, LogConfig: { Type: "k8s-file", Config: { "max-size": "10m" } } },
    {},
    { path: `/var/lib/berth/containers/${id}/${id}.log`, format: "k8s-file", maxFiles: 3 },
  )));
  deepStrictEqual(logged.protocol, PROTOCOL_VERSION);
  deepStrictEqual(logged.log, {
    path: `/var/lib/berth/containers/${id}/${id}.log`,
    format: "k8s-file",
    maxSize: 10 * 1024 * 1024,
    maxFiles: 3,
  });
  deepStrictEqual([logged.runDetached, logged.volatileExit], [true, true]);
  deepStrictEqual(logged.consoleSize, undefined);
  deepStrictEqual(logged.attach, { maxAttachers: 16, queueBytes: 8 * 1024 * 1024 });
  deepStrictEqual(featuresNeeded(logged).sort(), ["log-format", "run-detached", "volatile-exit"]);

  const tty = buildShimConfig(input(
    container({ ConsoleSize: [40, 120] }, { Tty: true, OpenStdin: true, StdinOnce: true }),
    CRUN,
  ));
  deepStrictEqual(tty.log, undefined); // --log-driver none
  deepStrictEqual(tty.consoleSize, { rows: 40, cols: 120 });
  deepStrictEqual([tty.tty, tty.openStdin, tty.stdinOnce], [true, true, true]);
  // crun gets create and start: no feature needed beyond the first release.
  deepStrictEqual([tty.runDetached, tty.volatileExit], [false, false]);
  deepStrictEqual(featuresNeeded(tty), []);
});

Deno.test("an older shim is refused a config newer than it, or one needing what it lacks", () => {
  const config = buildShimConfig(input(container({ AutoRemove: true }), CRUN));
  const firstRelease = { protocol: 1, features: [] };
  match(configRefusal(config, firstRelease)!, /speaks protocol 1, the config needs 2/);
  match(
    configRefusal({ ...config, protocol: 1 }, firstRelease)!,
    /lacks volatile-exit, which the config needs/,
  );
  deepStrictEqual(
    configRefusal({ ...config, protocol: 1, volatileExit: false }, firstRelease),
    undefined,
  );
  // Today's shim takes every config of today, and none of a newer protocol.
  deepStrictEqual(configRefusal(config, OWN_ABILITIES), undefined);
  match(
    configRefusal({ ...config, protocol: PROTOCOL_VERSION + 1 }, OWN_ABILITIES)!,
    /speaks protocol/,
  );
  deepStrictEqual([...OWN_ABILITIES.features], [...SHIM_FEATURES]);
});

/**
 * A shim of the first release on a unix socket: it answers hello with
 * protocol 1 and no features, and records every request it gets.
 */
function firstReleaseShim(path: string) {
  const received: { op: string }[] = [];
  const listener = Deno.listen({ transport: "unix", path });
  const served = (async () => {
    for await (const conn of listener) {
      const decoder = new JsonLineDecoder<{ seq: number; op: string }>();
      const buffer = new Uint8Array(65536);
      for (let count; (count = await conn.read(buffer)) !== null;) {
        for (const request of decoder.push(buffer.subarray(0, count))) {
          received.push(request);
          const reply = request.op === "hello"
            ? { seq: request.seq, ok: true, hello: { protocol: 1, shimPid: 1, ids: [] } }
            : { seq: request.seq, ok: true, status: { id: "x", state: "created", pid: 7 } };
          await conn.write(encodeJsonLine(reply));
        }
      }
      conn.close();
    }
  })().catch(() => {});
  return { received, close: () => (listener.close(), served) };
}

Deno.test("a newer daemon learns what an older shim can do and never sends it more", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp" });
  const shim = firstReleaseShim(`${dir}/control.sock`);
  const connection = await ShimConnection.connect(`${dir}/control.sock`);
  try {
    const hello = await connection.hello();
    deepStrictEqual([hello.protocol, hello.features, hello.standby], [1, [], false]);
    deepStrictEqual(connection.abilities, { protocol: 1, features: [] });
    // runc and --rm: features the first release lacks. Refused, not sent.
    const config: ShimConfig = buildShimConfig(input(container({ AutoRemove: true })));
    await rejects(connection.create(config), (error: Error) => {
      ok(error instanceof ShimTooOld);
      match(error.message, /lacks run-detached, volatile-exit/);
      return true;
    });
    deepStrictEqual(shim.received.map((request) => request.op), ["hello"]);
    // What it can take goes out in its protocol (1).
    const plain = buildShimConfig(input(container({}), CRUN));
    deepStrictEqual((await connection.create(plain)).pid, 7);
    const sent = shim.received.at(-1) as unknown as { op: string; config: ShimConfig };
    deepStrictEqual([sent.op, sent.config.protocol], ["create", 1]);
  } finally {
    connection.close();
    await shim.close();
    await Deno.remove(dir, { recursive: true });
  }
});
