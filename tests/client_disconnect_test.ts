import { deepStrictEqual, doesNotMatch, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";
import { randomLayer, tarDirectory, writeOciLayout } from "./helpers/oci_layout.ts";
import { withRegistry } from "./helpers/registry.ts";
import {
  closeQuietly,
  connectUnix,
  type RawRequest,
  rawRequest,
  readAtLeast,
  readHead,
  sendQuietly,
} from "./helpers/raw_http.ts";

/** Where a client gives up on its request. */
const STAGES = ["mid-head", "mid-body", "sent", "answered", "half-closed"] as const;
type Stage = typeof STAGES[number];

const UPGRADE = { Connection: "Upgrade", Upgrade: "tcp", "Content-Type": "application/json" };
const JSON_TYPE = { "Content-Type": "application/json" };

/** Send `request` and walk away at `stage`; the daemon must answer the next client. */
async function walkAway(daemon: TestDaemon, request: RawRequest, stage: Stage): Promise<void> {
  const conn = await connectUnix(daemon.socket);
  const { head, body } = request;
  try {
    if (stage === "mid-head") {
      await sendQuietly(conn, head.subarray(0, head.length >> 1));
      return;
    }
    await sendQuietly(conn, head);
    if (stage === "mid-body") {
      await sendQuietly(conn, body.subarray(0, body.length >> 1));
      return;
    }
    await sendQuietly(conn, body);
    if (stage === "answered" && (await readHead(conn)).length > 0) {
      await readAtLeast(conn, 1, 1000);
    }
    if (stage === "half-closed") {
      await conn.closeWrite().catch(() => {});
      await readAtLeast(conn, 1, 1000);
    }
  } finally {
    closeQuietly(conn);
  }
}

async function newExec(daemon: TestDaemon, tty: boolean): Promise<string> {
  const response = await daemon.api(
    "POST",
    "/containers/talker/exec",
    JSON.stringify({
      Cmd: ["sh", "-c", "while :; do echo exec; sleep 0.1; done"],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
    }),
  );
  deepStrictEqual(response.status, 201);
  return (await response.json()).Id;
}

/** The diff IDs the layer store holds, and those its images name. */
async function layersAndImageLayers(daemon: TestDaemon) {
  const stored = [...Deno.readDirSync(`${daemon.root}/layers/sha256`)].map((entry) =>
    `sha256:${entry.name}`
  ).sort();
  const images = JSON.parse(
    await daemon.ok([
      "image",
      "inspect",
      ...(await daemon.ok(["images", "-q"])).split("\n")
        .filter(Boolean),
    ]),
  ) as { RootFS: { Layers: string[] } }[];
  const named = [...new Set(images.flatMap((image) => image.RootFS.Layers))].sort();
  return { stored, named };
}

integrationTest(
  "clients that walk away at any stage of attach, exec, logs -f, events, stats, pull, load and create never take the daemon down",
  async (daemon) => {
    await daemon.ok([
      "run",
      "-d",
      "-i",
      "--name",
      "talker",
      "busybox",
      "sh",
      "-c",
      "while :; do echo tick; sleep 0.1; done",
    ]);
    await daemon.ok(["run", "-d", "-it", "--name", "ttytalker", "busybox", "sh"]);
    await withRegistry(daemon, async (registry) => {
      const layers = [randomLayer(6).layer, randomLayer(6).layer, randomLayer(6).layer];
      const pushed = await writeOciLayout(`${daemon.dir}/pushed`, layers);
      await registry.push(pushed.dir, "test/big:v1");
      const pullName = `${registry.host}/test/big`;
      const loaded = await writeOciLayout(`${daemon.dir}/loaded`, [randomLayer(4).layer], {
        name: "test/loaded:v1",
      });
      await tarDirectory(loaded.dir, `${daemon.dir}/loaded.tar`);
      const archive = await Deno.readFile(`${daemon.dir}/loaded.tar`);
      const startBody = JSON.stringify({ Detach: false, Tty: false });
      const requests: [string, () => Promise<RawRequest>][] = [
        ...[false, true].flatMap((upgrade) =>
          ["talker", "ttytalker"].map((name): [string, () => Promise<RawRequest>] => [
            `attach ${name}${upgrade ? " (upgrade)" : ""}`,
            () =>
              Promise.resolve(rawRequest(
                "POST",
                `/v1.47/containers/${name}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
                { headers: upgrade ? UPGRADE : {} },
              )),
          ])
        ),
        ...[false, true].flatMap((upgrade) =>
          [false, true].map((tty): [string, () => Promise<RawRequest>] => [
            `exec start${tty ? " (tty)" : ""}${upgrade ? " (upgrade)" : ""}`,
            async () =>
              rawRequest("POST", `/v1.47/exec/${await newExec(daemon, tty)}/start`, {
                headers: upgrade ? UPGRADE : JSON_TYPE,
                body: startBody,
              }),
          ])
        ),
        [
          "logs -f",
          () =>
            Promise.resolve(
              rawRequest("GET", "/v1.47/containers/talker/logs?follow=1&stdout=1&stderr=1"),
            ),
        ],
        ["events", () => Promise.resolve(rawRequest("GET", "/v1.47/events"))],
        [
          "stats",
          () => Promise.resolve(rawRequest("GET", "/v1.47/containers/talker/stats?stream=1")),
        ],
        [
          "pull",
          async () => {
            await daemon.berth(["rmi", `${pullName}:v1`]);
            return rawRequest("POST", `/v1.47/images/create?fromImage=${pullName}&tag=v1`);
          },
        ],
        [
          "load",
          async () => {
            await daemon.berth(["rmi", "test/loaded:v1"]);
            return rawRequest("POST", "/v1.47/images/load?quiet=1", {
              headers: { "Content-Type": "application/x-tar" },
              body: archive,
            });
          },
        ],
        [
          "create",
          () =>
            Promise.resolve(rawRequest("POST", "/v1.47/containers/create", {
              headers: JSON_TYPE,
              body: JSON.stringify({ Image: "busybox", Cmd: ["true"], Env: ["A=1"] }),
            })),
        ],
      ];
      for (const [what, request] of requests) {
        for (const stage of STAGES) {
          await walkAway(daemon, await request(), stage);
          ok(await daemon.ping(), `the daemon answers after a client of ${what} left ${stage}`);
        }
      }
      // Failures that come late (a stream's end noticed seconds after).
      await new Promise((resolve) => setTimeout(resolve, 3000));
      ok(await daemon.ping(), "the daemon answers 3 s after the last client left");
      const log = await daemon.log();
      doesNotMatch(log, /uncaught error|unhandled rejection|error: Uncaught/);
      deepStrictEqual(
        log.split('msg="berth daemon ready"').length,
        2,
        "the daemon never restarted",
      );

      // Everyone else was served all along; the containers never noticed.
      const before = (await daemon.ok(["logs", "talker"])).length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      ok((await daemon.ok(["logs", "talker"])).length > before, "talker goes on");
      deepStrictEqual(await daemon.ok(["exec", "talker", "echo", "still here"]), "still here\n");
      deepStrictEqual(
        await daemon.ok(["inspect", "-f", "{{.State.Running}}", "ttytalker"]),
        "true\n",
      );
      // A pull or load cut short keeps no layer that no image names.
      await daemon.berth(["rmi", `${pullName}:v1`]);
      await daemon.berth(["rmi", "test/loaded:v1"]);
      const { stored, named } = await layersAndImageLayers(daemon);
      deepStrictEqual(stored, named);
    });
    await daemon.ok(["rm", "-f", "talker", "ttytalker"]);
    await daemon.ok(["container", "prune", "-f"]);
    await assertNoLeaks(daemon);
  },
);
