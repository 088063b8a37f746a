/**
 * Kubernetes streaming through berth's CRI, judged by crictl 1.32 over
 * both transports (SPDY/3.1, WebSocket): `exec -it` in a real terminal,
 * `exec -i` with 100 MB of stdin, `attach`, and `port-forward` with
 * parallel requests. critest's streaming specs run in critest_test.ts.
 */

import { deepStrictEqual, match, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  assertNoLeaks,
  eventually,
  freePort,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import { configFile, CRICTL, crictl, crictlOk, criSocket, withCriDaemon } from "./helpers/cri.ts";
import { checkSize, TmuxSession } from "./helpers/tmux.ts";

const TRANSPORTS = ["spdy", "websocket"] as const;
/** busybox sh's prompt for root. */
const PROMPT = /^\/ #( |$)/m;

/** crictl's arguments naming the daemon's socket. */
function endpointArgs(daemon: TestDaemon): string[] {
  const endpoint = `unix://${criSocket(daemon)}`;
  return ["--runtime-endpoint", endpoint, "--image-endpoint", endpoint];
}

/** A running pod with one busybox container running `command`; its ids. */
async function podWith(
  daemon: TestDaemon,
  runtime: string,
  command: string[],
  extra: Record<string, unknown> = {},
): Promise<{ podId: string; containerId: string; pod: string }> {
  const logDir = `${daemon.dir}/pod-logs`;
  await Deno.mkdir(logDir, { recursive: true });
  const pod = await configFile(daemon, "pod", {
    metadata: { name: "streams", namespace: "test", uid: crypto.randomUUID(), attempt: 0 },
    log_directory: logDir,
    linux: {},
  });
  const container = await configFile(daemon, "main", {
    metadata: { name: "main" },
    image: { image: "busybox" },
    command,
    log_path: "main.log",
    linux: {},
    ...extra,
  });
  const podId = await crictlOk(daemon, ["runp", "--runtime", runtime, pod]);
  const containerId = await crictlOk(daemon, ["create", podId, container, pod]);
  await crictlOk(daemon, ["start", containerId]);
  return { podId, containerId, pod };
}

async function removePod(daemon: TestDaemon, podId: string): Promise<void> {
  await crictlOk(daemon, ["stopp", podId]);
  await crictlOk(daemon, ["rmp", podId]);
}

integrationTest(
  "crictl exec -it in a real terminal: prompt, stty size follows a resize, exit code (SPDY and WebSocket)",
  async (daemon, runtime) => {
    await withCriDaemon(daemon, async () => {
      const { podId, containerId } = await podWith(daemon, runtime, ["sleep", "1000"]);
      for (const transport of TRANSPORTS) {
        const command = [CRICTL, ...endpointArgs(daemon), "exec", "-it", "-r", transport];
        const terminal = await TmuxSession.start(
          `${daemon.dir}/tmux-${transport}`,
          `${command.join(" ")} ${containerId} sh`,
        );
        try {
          await terminal.waitFor(PROMPT);
          await checkSize(terminal, `${transport}A`);
          await terminal.resize(123, 41);
          await checkSize(terminal, `${transport}B`);
          await terminal.type("echo typed-$((6*7)); exit 4");
          await terminal.press("Enter");
          await terminal.waitFor(/typed-42/);
          // crictl says the code and exits 1, as with any runtime.
          await terminal.waitFor(/command terminated with exit code 4/);
          deepStrictEqual(await terminal.exitCode(), 1);
        } finally {
          await terminal.kill();
        }
      }
      await removePod(daemon, podId);
    });
    await assertNoLeaks(daemon);
  },
  { started: false, importImage: false },
);

integrationTest(
  "crictl exec -i: 100 MB of stdin byte-exact, stdout, stderr and exit code apart, a vanished client's process ends (SPDY and WebSocket)",
  async (daemon, runtime) => {
    await withCriDaemon(daemon, async () => {
      const { podId, containerId } = await podWith(daemon, runtime, ["sleep", "1000"]);
      const input = `${daemon.dir}/stdin.bin`;
      const bytes = new Uint8Array(100 * 1024 * 1024);
      for (let offset = 0; offset < bytes.length; offset += 65536) {
        crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
      }
      await Deno.writeFile(input, bytes);
      const expected = createHash("md5").update(bytes).digest("hex");
      const crictlLine = [CRICTL, ...endpointArgs(daemon)].join(" ");
      for (const transport of TRANSPORTS) {
        const piped = await runCommand("bash", [
          "-c",
          `${crictlLine} exec -i -r ${transport} ${containerId} md5sum < ${input}`,
        ]);
        deepStrictEqual(piped.code, 0, piped.stderr);
        deepStrictEqual(piped.stdout.split(" ")[0], expected, `md5 over ${transport}`);
        // Also through cat and back: 100 MB each way.
        const echoed = await runCommand("bash", [
          "-c",
          `${crictlLine} exec -i -r ${transport} ${containerId} cat < ${input} | md5sum`,
        ]);
        deepStrictEqual(echoed.stdout.split(" ")[0], expected, `echoed md5 over ${transport}`);

        const apart = await crictl(daemon, [
          "exec",
          "-r",
          transport,
          containerId,
          "sh",
          "-c",
          "echo to-out; echo to-err >&2; exit 3",
        ]);
        deepStrictEqual(apart.stdout, "to-out\n");
        match(apart.stderr, /^to-err$/m);
        match(apart.stderr, /command terminated with exit code 3/);
        deepStrictEqual(apart.code, 1);
      }

      // A client killed mid-session: the exec's stdin ends, so `cat` ends too.
      const client = new Deno.Command(CRICTL, {
        args: [...endpointArgs(daemon), "exec", "-i", containerId, "sh", "-c", "cat; echo done"],
        stdin: "piped",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await eventually(
        async () =>
          (await crictlOk(daemon, ["exec", containerId, "ps", "-o", "args"])).includes("cat"),
        10_000,
        "the exec's cat runs",
      );
      client.kill("SIGKILL");
      await client.status;
      await eventually(
        async () =>
          !(await crictlOk(daemon, ["exec", containerId, "ps", "-o", "args"])).includes("cat"),
        10_000,
        "the exec's cat ends with its client",
      );
      await removePod(daemon, podId);
    });
    await assertNoLeaks(daemon);
  },
  { started: false, importImage: false },
);

integrationTest(
  "crictl attach: the container's stdin, stdout and stderr apart (SPDY and WebSocket)",
  async (daemon, runtime) => {
    await withCriDaemon(daemon, async () => {
      const { podId, pod } = await podWith(daemon, runtime, ["sleep", "1000"]);
      for (const transport of TRANSPORTS) {
        const shell = await configFile(daemon, `shell-${transport}`, {
          metadata: { name: `shell-${transport}` },
          image: { image: "busybox" },
          command: ["sh"],
          stdin: true,
          stdin_once: true,
          log_path: `shell-${transport}.log`,
          linux: {},
        });
        const shellId = await crictlOk(daemon, ["create", podId, shell, pod]);
        await crictlOk(daemon, ["start", shellId]);
        const attached = await crictl(daemon, ["attach", "-i", "-r", transport, shellId], {
          stdin: "echo attached-$((40+2)); echo to-err >&2\n",
        });
        deepStrictEqual(attached.code, 0, attached.stderr);
        deepStrictEqual(attached.stdout, "attached-42\n");
        match(attached.stderr, /^to-err$/m);
        // stdin_once: the end of the attacher's stdin was the shell's.
        await eventually(
          async () =>
            JSON.parse(await crictlOk(daemon, ["inspect", shellId])).status.state ===
              "CONTAINER_EXITED",
          10_000,
          "the shell exits",
        );
      }
      await removePod(daemon, podId);
    });
    await assertNoLeaks(daemon);
  },
  { started: false, importImage: false },
);

/** Start `crictl port-forward`; resolves once it listens. */
async function portForward(
  daemon: TestDaemon,
  transport: string,
  podId: string,
  mapping: string,
): Promise<{ stop: () => Promise<string> }> {
  const child = new Deno.Command(CRICTL, {
    args: [...endpointArgs(daemon), "port-forward", "-r", transport, podId, mapping],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk);
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  await eventually(
    () => output.includes("Forwarding from 127.0.0.1"),
    10_000,
    "port-forward listens",
  )
    .catch(async (error) => {
      child.kill();
      await collected;
      throw new Error(`${error.message}: ${output}`);
    });
  return {
    async stop() {
      child.kill();
      await child.status;
      await collected;
      return output;
    },
  };
}

integrationTest(
  "crictl port-forward to a pod's httpd: 20 parallel requests byte-exact, a closed port reported (SPDY and WebSocket)",
  async (daemon, runtime) => {
    await withCriDaemon(daemon, async () => {
      const { podId, containerId } = await podWith(daemon, runtime, [
        "sh",
        "-c",
        "mkdir /www; head -c 1048576 /dev/urandom > /www/blob; httpd -f -p 127.0.0.1:8080 -h /www",
      ]);
      let expected = "";
      await eventually(
        async () => {
          const sum = await crictl(daemon, ["exec", containerId, "md5sum", "/www/blob"]);
          expected = sum.stdout.split(" ")[0];
          return sum.code === 0 && expected.length === 32;
        },
        10_000,
        "the blob is written",
      );
      for (const transport of TRANSPORTS) {
        const local = freePort();
        const forward = await portForward(daemon, transport, podId, `${local}:8080`);
        try {
          const sums = await Promise.all(
            Array.from({ length: 20 }, async () => {
              const response = await fetch(`http://127.0.0.1:${local}/blob`);
              const body = new Uint8Array(await response.arrayBuffer());
              return `${response.status} ${body.length} ${
                createHash("md5").update(body).digest("hex")
              }`;
            }),
          );
          deepStrictEqual(new Set(sums), new Set([`200 1048576 ${expected}`]), transport);
        } finally {
          await forward.stop();
        }
      }
      // Nothing listens on 9 in the pod: the request fails, crictl says why.
      const local = freePort();
      const closed = await portForward(daemon, "spdy", podId, `${local}:9`);
      const failed = await fetch(`http://127.0.0.1:${local}/`).then(() => false, () => true);
      const output = await closed.stop();
      ok(failed, "a request to a closed port fails");
      match(output, /error forwarding port 9 to pod/);
      match(output, /connection refused/i);
      await removePod(daemon, podId);
    });
    await assertNoLeaks(daemon);
  },
  { started: false, importImage: false },
);
