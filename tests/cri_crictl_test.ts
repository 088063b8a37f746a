/**
 * berth as a Kubernetes node's runtime, judged by crictl (cri-tools 1.32)
 * on the daemon's CRI socket: a pod's life from runp to rmp on a CNI
 * network of the test's own, images pulled through a registry mirror, and
 * a daemon killed with pods running.
 */

import { deepStrictEqual, match, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import net from "node:net";
import {
  assertNoLeaks,
  busyboxRootfs,
  eventually,
  freePort,
  httpBody,
  integrationTest,
  runCommand,
  type TestDaemon,
} from "./helpers/harness.ts";
import { cniLeaks, configFile, crictl, crictlOk, criSocket, withCriDaemon } from "./helpers/cri.ts";
import { REGISTRY_CERTS_DIR, trustRegistry, withRegistry } from "./helpers/registry.ts";
import { writeOciLayout } from "./helpers/oci_layout.ts";

function podConfig(logDirectory: string, hostPort: number) {
  return {
    metadata: { name: "web", namespace: "test", uid: crypto.randomUUID(), attempt: 0 },
    hostname: "webpod",
    log_directory: logDirectory,
    dns_config: { servers: ["10.9.8.7"], searches: ["test.example"], options: ["ndots:3"] },
    port_mappings: [{ protocol: 0, container_port: 80, host_port: hostPort }],
    labels: { app: "web" },
    linux: {},
  };
}

/** The pids of shim processes serving state dirs under the daemon's run root. */
async function shimProcesses(daemon: TestDaemon, ids: string[]): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const id of ids) pids.add(await daemon.shimPid(id));
  return pids;
}

integrationTest(
  "crictl runs a pod: runp, create, start, ps, inspect, logs, exec, stats, stop, rm, stopp, rmp",
  async (daemon, runtime) => {
    await withCriDaemon(daemon, async (network) => {
      const logDir = `${daemon.dir}/pod-logs`;
      await Deno.mkdir(logDir);
      const hostPort = freePort();
      const pod = await configFile(daemon, "pod", podConfig(logDir, hostPort));
      const server = await configFile(daemon, "server", {
        metadata: { name: "server" },
        image: { image: "busybox" },
        command: ["sh", "-c", "echo started; cat /etc/resolv.conf; httpd -f -p 80 -h /etc"],
        log_path: "server.log",
        labels: { role: "server" },
        linux: {},
      });
      const quitter = await configFile(daemon, "quitter", {
        metadata: { name: "quitter" },
        image: { image: "docker.io/library/busybox:latest" },
        command: ["sh", "-c", "echo to stderr >&2; exit 3"],
        log_path: "quitter.log",
        linux: {},
      });

      const podId = await crictlOk(daemon, ["runp", "--runtime", runtime, pod]);
      match(podId, /^[0-9a-f]{64}$/);
      const serverId = await crictlOk(daemon, ["create", podId, server, pod]);
      const quitterId = await crictlOk(daemon, ["create", podId, quitter, pod]);
      await crictlOk(daemon, ["start", serverId, quitterId]);

      // The pod: ready, with an address of the test's subnet, its runtime handler.
      const podStatus = JSON.parse(await crictlOk(daemon, ["inspectp", podId])).status;
      deepStrictEqual(podStatus.state, "SANDBOX_READY");
      deepStrictEqual(podStatus.runtimeHandler, runtime);
      const ip: string = podStatus.network.ip;
      match(ip, /^10\.\d+\.\d+\.\d+$/);
      deepStrictEqual(
        (await crictlOk(daemon, ["pods", "-q", "--label", "app=web"])).split("\n"),
        [podId],
      );

      // Logs in the CRI format, in the pod's log directory; resolv.conf from DNSConfig.
      await eventually(async () => {
        const logs = await crictl(daemon, ["logs", serverId]);
        return logs.stdout.includes("ndots:3");
      });
      const serverLog = await Deno.readTextFile(`${logDir}/server.log`);
      match(serverLog, /^\S+ stdout F started\n/);
      match(serverLog, /stdout F nameserver 10\.9\.8\.7\n/);
      match(serverLog, /stdout F search test\.example\n/);

      // The exited container: its code and reason; its stderr logged apart.
      await eventually(async () =>
        JSON.parse(await crictlOk(daemon, ["inspect", quitterId])).status.state ===
          "CONTAINER_EXITED"
      );
      const exited = JSON.parse(await crictlOk(daemon, ["inspect", quitterId])).status;
      deepStrictEqual([exited.exitCode, exited.reason], [3, "Error"]);
      match(await Deno.readTextFile(`${logDir}/quitter.log`), /stderr F to stderr\n/);
      deepStrictEqual(
        (await crictlOk(daemon, ["ps", "-q", "--state", "running"])).split("\n"),
        [serverId],
      );
      deepStrictEqual(
        (await crictlOk(daemon, ["ps", "-a", "-q"])).split("\n").sort(),
        [
          quitterId,
          serverId,
        ].sort(),
      );

      // The pod's hostname, its network through the hostPort (portmap) and its address.
      deepStrictEqual(await httpBody(`http://127.0.0.1:${hostPort}/hostname`), "webpod\n");
      deepStrictEqual(await httpBody(`http://${ip}:80/hostname`), "webpod\n");

      // exec --sync: output apart, exit code.
      const exec = await crictl(daemon, ["exec", "-s", serverId, "sh", "-c", "echo out; exit 4"]);
      // (crictl reports a failed command's code, not its output.)
      match(exec.stderr, /exited with 4/);
      const output = await crictl(daemon, ["exec", "-s", serverId, "sh", "-c", "echo out"]);
      deepStrictEqual([output.code, output.stdout.trim()], [0, "out"], output.stderr);
      const timedOut = await crictl(daemon, [
        "exec",
        "-s",
        "--timeout",
        "1",
        serverId,
        "sleep",
        "30",
      ]);
      ok(timedOut.code !== 0);
      match(timedOut.stderr, /DeadlineExceeded|timed out|deadline/i);

      // One shim process serves the pod: its holder, its containers and its execs.
      deepStrictEqual((await shimProcesses(daemon, [podId, serverId])).size, 1);

      // Stats of the running container and the pod.
      const stats = JSON.parse(await crictlOk(daemon, ["stats", "-o", "json", serverId]));
      ok(Number(stats.stats[0].memory.workingSetBytes.value) > 0, JSON.stringify(stats));
      const podStats = JSON.parse(await crictlOk(daemon, ["statsp", "-o", "json", podId]));
      deepStrictEqual(podStats.stats[0].attributes.id, podId);

      // The Docker API keeps them apart (list, events); berth ps --cri shows them.
      deepStrictEqual((await daemon.ok(["ps", "-a", "-q"])).trim(), "");
      const until = String(Math.ceil(Date.now() / 1000));
      const events = await daemon.ok(["events", "--since", "0", "--until", until]);
      ok(!events.includes("k8s_"), events);
      const criList = await daemon.ok(["ps", "-a", "--cri", "--no-trunc", "--format", "{{.ID}}"]);
      deepStrictEqual(criList.trim().split("\n").sort(), [podId, quitterId, serverId].sort());

      await crictlOk(daemon, ["stop", "--timeout", "2", serverId]);
      const stopped = JSON.parse(await crictlOk(daemon, ["inspect", serverId])).status;
      deepStrictEqual(stopped.state, "CONTAINER_EXITED");
      await crictlOk(daemon, ["rm", serverId]);
      // Stop and remove are idempotent (kubelet retries them).
      await crictlOk(daemon, ["stop", serverId]);
      await crictlOk(daemon, ["stopp", podId]);
      await crictlOk(daemon, ["stopp", podId]);
      const notReady = JSON.parse(await crictlOk(daemon, ["inspectp", podId])).status;
      deepStrictEqual(notReady.state, "SANDBOX_NOTREADY");
      await crictlOk(daemon, ["rmp", podId]);
      deepStrictEqual(await crictlOk(daemon, ["pods", "-q"]), "");
      // Without a network config the runtime says its network is not ready, and why.
      await Deno.rename(`${network.confDir}/10-test.conflist`, `${daemon.dir}/10-test.conflist`);
      const info = JSON.parse(await crictlOk(daemon, ["info"]));
      const condition = info.status.conditions.find((item: { type: string }) =>
        item.type === "NetworkReady"
      );
      deepStrictEqual([condition.status, condition.reason], [false, "NetworkPluginNotReady"]);
      await Deno.rename(`${daemon.dir}/10-test.conflist`, `${network.confDir}/10-test.conflist`);
      deepStrictEqual(await crictlOk(daemon, ["ps", "-a", "-q"]), "");
      await assertNoLeaks(daemon);
    });
  },
  { started: false, importImage: false },
);

integrationTest(
  "crictl pulls through a registry mirror under the image's own name; images, rmi, imagefsinfo",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const layout = await writeOciLayout(`${daemon.dir}/layout`, [
        { tar: await Deno.readFile(await busyboxRootfs()), gzip: true },
      ]);
      await registry.push(layout.dir, "e2e/mirrored:1.0");
      await withCriDaemon(daemon, async () => {
        const name = "registry.k8s.io/e2e/mirrored:1.0";
        const pulled = await crictlOk(daemon, ["pull", name]);
        match(pulled, /Image is up to date for sha256:[0-9a-f]{64}/);
        const images = JSON.parse(await crictlOk(daemon, ["images", "-o", "json"])).images;
        const image = images.find((item: { repoTags: string[] }) => item.repoTags.includes(name));
        ok(image, JSON.stringify(images));
        match(image.repoDigests[0], /^registry\.k8s\.io\/e2e\/mirrored@sha256:[0-9a-f]{64}$/);
        // The Docker API shares the store: the same image, by the same name.
        deepStrictEqual(
          (await daemon.ok(["image", "inspect", "--format", "{{.Id}}", name])).trim(),
          image.id,
        );
        const status = JSON.parse(await crictlOk(daemon, ["inspecti", image.repoDigests[0]]));
        deepStrictEqual(status.status.id, image.id);
        const fsInfo = JSON.parse(await crictlOk(daemon, ["imagefsinfo", "-o", "json"]));
        ok(Number(fsInfo.status.imageFilesystems[0].usedBytes.value) > 1_000_000);
        await crictlOk(daemon, ["rmi", name]);
        deepStrictEqual((await crictl(daemon, ["inspecti", name])).code, 1);
        // An image no source has: an error, nothing left behind.
        const missing = await crictl(daemon, ["pull", "registry.k8s.io/e2e/missing:1.0"]);
        ok(missing.code !== 0);
        match(missing.stderr, /missing/);
      }, ["--registry-mirror", `registry.k8s.io=http://${registry.host}`]);
    });
    await assertNoLeaks(daemon);
  },
  { started: false, importImage: false },
);

integrationTest(
  "crictl pull with credentials (AuthConfig) from a private TLS registry; without them it fails",
  async (daemon) => {
    await withRegistry(daemon, async (registry) => {
      const untrust = await trustRegistry(registry);
      try {
        const layout = await writeOciLayout(`${daemon.dir}/layout`, [
          { tar: await Deno.readFile(await busyboxRootfs()), gzip: true },
        ]);
        await registry.push(layout.dir, "private/app:2", { credentials: "tester:s3cret" });
        await withCriDaemon(daemon, async () => {
          const name = `${registry.host}/private/app:2`;
          const refused = await crictl(daemon, ["pull", name]);
          ok(refused.code !== 0);
          match(refused.stderr, /pull access denied|unauthorized/i);
          const pulled = await crictl(daemon, ["pull", "--creds", "tester:s3cret", name]);
          deepStrictEqual(pulled.code, 0, pulled.stderr);
          const images = await crictlOk(daemon, ["images", "-q", name]);
          match(images, /^sha256:[0-9a-f]{64}$/);
          await crictlOk(daemon, ["rmi", name]);
        }, ["--certs-dir", REGISTRY_CERTS_DIR]);
      } finally {
        await untrust();
      }
    }, { auth: { username: "tester", password: "s3cret" } });
    await assertNoLeaks(daemon);
  },
  { started: false, importImage: false, runtimes: ["runc"] },
);

integrationTest(
  "kill -9 of the daemon with pods running: states, exit codes, logs and CNI teardown survive",
  async (daemon) => {
    await withCriDaemon(daemon, async (network) => {
      const logDir = `${daemon.dir}/pod-logs`;
      await Deno.mkdir(logDir);
      const [first, second] = [
        await configFile(daemon, "pod1", { ...podConfig(logDir, 0), port_mappings: [] }),
        await configFile(daemon, "pod2", {
          ...podConfig(logDir, 0),
          metadata: { name: "other", namespace: "test", uid: crypto.randomUUID(), attempt: 0 },
          port_mappings: [],
        }),
      ];
      const counter = await configFile(daemon, "counter", {
        metadata: { name: "counter" },
        image: { image: "busybox" },
        command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done"],
        log_path: "counter.log",
        linux: {},
      });
      const quitter = await configFile(daemon, "late-quitter", {
        metadata: { name: "late-quitter" },
        image: { image: "busybox" },
        command: ["sh", "-c", "sleep 2; exit 7"],
        log_path: "late.log",
        linux: {},
      });
      const podId = await crictlOk(daemon, ["runp", first]);
      const otherPod = await crictlOk(daemon, ["runp", second]);
      const counterId = await crictlOk(daemon, ["create", podId, counter, first]);
      const quitterId = await crictlOk(daemon, ["create", podId, quitter, first]);
      await crictlOk(daemon, ["start", counterId, quitterId]);
      await daemon.kill9();
      // Meanwhile: one container exits, the other pod's holder is killed.
      const otherHolder = Number(
        (await Deno.readTextFile(`${daemon.runRoot}/c/${otherPod}/init.pid`)).trim(),
      );
      await runCommand("kill", ["-9", String(otherHolder)]);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const linesBefore = (await Deno.readTextFile(`${logDir}/counter.log`)).split("\n").length;
      await daemon.startProcess();

      // The running pod's network passed a CNI CHECK at the restart.
      match(await daemon.log(), new RegExp(`pod network checked" id="${podId}"`));
      const late = JSON.parse(await crictlOk(daemon, ["inspect", quitterId])).status;
      deepStrictEqual([late.state, late.exitCode, late.reason], ["CONTAINER_EXITED", 7, "Error"]);
      deepStrictEqual(
        JSON.parse(await crictlOk(daemon, ["inspect", counterId])).status.state,
        "CONTAINER_RUNNING",
      );
      deepStrictEqual(
        JSON.parse(await crictlOk(daemon, ["inspectp", podId])).status.state,
        "SANDBOX_READY",
      );
      deepStrictEqual(
        JSON.parse(await crictlOk(daemon, ["inspectp", otherPod])).status.state,
        "SANDBOX_NOTREADY",
      );
      // The dead pod's address went back to the pool at the restart (CNI DEL).
      const held = await cniLeaks(daemon, network);
      deepStrictEqual(held.filter((leak) => leak.startsWith("address")).length, 1, held.join());
      await eventually(async () =>
        (await Deno.readTextFile(`${logDir}/counter.log`)).split("\n").length > linesBefore + 5
      );
      // A container created after the restart gets the pod's log directory too.
      const after = await configFile(daemon, "after", {
        metadata: { name: "after" },
        image: { image: "busybox" },
        command: ["sh", "-c", "echo created after the restart"],
        log_path: "after.log",
        linux: {},
      });
      const afterId = await crictlOk(daemon, ["create", podId, after, first]);
      await crictlOk(daemon, ["start", afterId]);
      await eventually(async () =>
        (await Deno.readTextFile(`${logDir}/after.log`).catch(() => "")).includes(
          "created after the restart",
        )
      );
      const exec = await crictl(daemon, ["exec", "-s", counterId, "echo", "after restart"]);
      // (crictl prints stdout and stderr each with a newline of its own.)
      deepStrictEqual([exec.code, exec.stdout.trim()], [0, "after restart"], exec.stderr);
      await crictlOk(daemon, ["rmp", "--force", podId, otherPod]);
      await assertNoLeaks(daemon);
    });
  },
  { started: false, importImage: false, runtimes: ["crun"] },
);

/**
 * Version over a raw HTTP/2 connection that names `authority`, three times
 * (the later requests find the authority in HPACK's dynamic table); the
 * grpc-status and the body's printable text of each.
 */
function versionCalls(socket: string, authority: string): Promise<string[]> {
  const client = http2.connect("http://localhost", { createConnection: () => net.connect(socket) });
  client.on("error", () => {});
  const call = () =>
    new Promise<string>((resolve) => {
      const request = client.request({
        ":method": "POST",
        ":path": "/runtime.v1.RuntimeService/Version",
        ":authority": authority,
        ":scheme": "http",
        "content-type": "application/grpc",
        te: "trailers",
      });
      const chunks: Buffer[] = [];
      let status = "none";
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("trailers", (trailers) => status = String(trailers["grpc-status"]));
      request.on("end", () =>
        resolve(`${status} ${Buffer.concat(chunks).toString("latin1").replace(/[^ -~]/g, "")}`));
      request.on("error", (error) =>
        resolve(`error ${error.message}`));
      request.end(new Uint8Array(5)); // an empty VersionRequest, framed
    });
  return (async () => {
    const answers = [await call(), await call(), await call()];
    client.close();
    return answers;
  })();
}

integrationTest(
  "a client that sends the socket's path as :authority (kubelet before 1.31) is answered",
  async (daemon) => {
    await withCriDaemon(daemon, async () => {
      const socket = criSocket(daemon);
      for (const authority of [socket, "localhost", "/var/run/containerd/containerd.sock"]) {
        const answers = await versionCalls(socket, authority);
        deepStrictEqual(answers, Array(3).fill('0 0.1.0berth0.1.0"v1'), authority);
      }
      // The connection stays usable for crictl's calls afterwards.
      match(await crictlOk(daemon, ["version"]), /RuntimeName:\s+berth/);
    });
  },
  { started: false, importImage: false, runtimes: ["runc"] },
);
