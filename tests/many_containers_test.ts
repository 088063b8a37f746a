import { deepStrictEqual } from "node:assert/strict";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";

const COUNT = 50;
const PARALLEL = 10;

async function inBatches<T>(items: T[], action: (item: T) => Promise<void>): Promise<void> {
  for (let index = 0; index < items.length; index += PARALLEL) {
    await Promise.all(items.slice(index, index + PARALLEL).map(action));
  }
}

async function runOne(daemon: TestDaemon, index: number): Promise<void> {
  const name = `many-${index}`;
  await daemon.ok([
    "create",
    "--name",
    name,
    "busybox",
    "sh",
    "-c",
    `echo container ${index}; exit ${index % 7}`,
  ]);
  await daemon.ok(["start", name]);
  deepStrictEqual(await daemon.ok(["wait", name]), `${index % 7}\n`);
  deepStrictEqual(await daemon.ok(["logs", name]), `container ${index}\n`);
}

integrationTest(
  `${COUNT} containers created, run and removed leave nothing behind`,
  async (daemon) => {
    const indexes = Array.from({ length: COUNT }, (_, index) => index);
    await inBatches(indexes, (index) => runOne(daemon, index));
    deepStrictEqual((await daemon.ok(["ps", "-aq"])).trim().split("\n").length, COUNT);
    await inBatches(indexes, async (index) => void await daemon.ok(["rm", `many-${index}`]));
    deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");

    // Running ones too, removed with force while they run.
    await inBatches(indexes.slice(0, 20), async (index) => {
      await daemon.ok(["run", "-d", "--name", `live-${index}`, "busybox", "sleep", "1000"]);
    });
    deepStrictEqual((await daemon.ok(["ps", "-q"])).trim().split("\n").length, 20);
    await inBatches(
      indexes.slice(0, 20),
      async (index) => void await daemon.ok(["rm", "-f", `live-${index}`]),
    );
    await assertNoLeaks(daemon);
  },
);
