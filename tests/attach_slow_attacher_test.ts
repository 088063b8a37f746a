import { deepStrictEqual, match, ok } from "node:assert/strict";
import { concatBytes } from "../lib/bytes.ts";
import { BackgroundCommand } from "./helpers/background.ts";
import { assertNoLeaks, byteCountAndMd5, eventually, integrationTest } from "./helpers/harness.ts";

const BYTES = 100_000_000;
const TEXT = "line of text from the container 0123456789";
const PRODUCE = `yes '${TEXT}' | head -c ${BYTES}`;

/** Open an attach over the raw socket and never read from it. */
async function stalledAttach(socket: string, name: string): Promise<Deno.UnixConn> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const head = `POST /v1.47/containers/${name}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n` +
    "Host: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n";
  await conn.write(new TextEncoder().encode(head));
  return conn;
}

async function readToEnd(conn: Deno.UnixConn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of conn.readable) chunks.push(chunk);
  } catch {
    // reset by the daemon after the note
  }
  return concatBytes(chunks);
}

integrationTest(
  "a stalled attacher is dropped while the log and another attacher get all 100 MB",
  async (daemon) => {
    const expected = await byteCountAndMd5(`${PRODUCE} || true`);
    deepStrictEqual(expected.split(" ")[0], String(BYTES));
    const md5 = expected.split(" ")[1];
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "flood",
      "busybox",
      "sh",
      "-c",
      `while [ ! -e /tmp/go ]; do sleep 0.05; done; ${PRODUCE}`,
    ]);
    const stalled = await stalledAttach(daemon.socket, "flood");
    const reader = new BackgroundCommand("bash", [
      "-c",
      `${daemon.commandLine("attach --no-stdin flood")} | md5sum`,
    ]);
    try {
      await daemon.waitForAttachSessions(2);
      await daemon.ok(["exec", "flood", "touch", "/tmp/go"]);
      await eventually(
        async () => (await daemon.log()).includes('msg="dropping a slow attach client"'),
        60_000,
        "the stalled attacher to be dropped",
      );
      // It is told why, after what it was sent before it fell behind.
      const received = new TextDecoder().decode(await readToEnd(stalled));
      match(received.slice(-200), /attach dropped: the client fell more than \d+ bytes behind/);

      deepStrictEqual(await reader.exited(120_000), 0, reader.stderr);
      deepStrictEqual(reader.stdout, `${md5}  -\n`, "the second attacher got every byte");
      deepStrictEqual(await byteCountAndMd5(daemon.commandLine("logs flood")), expected);
      match(await daemon.ok(["inspect", "-f", "{{.State.ExitCode}}", "flood"]), /^0\n$/);
    } finally {
      try {
        stalled.close();
      } catch {
        // already closed
      }
      await reader.dispose();
    }
    ok(!(await daemon.log()).includes("level=error"), "no errors in the daemon log");
    await daemon.ok(["rm", "flood"]);
    await assertNoLeaks(daemon);
  },
);
