import { deepStrictEqual } from "node:assert/strict";
import { concatBytes } from "../lib/bytes.ts";
import { assertNoLeaks, integrationTest } from "./helpers/harness.ts";

const encoder = new TextEncoder();

/** The stdout payload of a multiplexed attach stream (after the HTTP head). */
function stdoutOf(stream: Uint8Array): string {
  const body = stream.subarray(stream.indexOf(0x0a, findHeadEnd(stream)) + 1);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset + 8 <= body.length;) {
    const size = new DataView(body.buffer, body.byteOffset + offset + 4, 4).getUint32(0);
    if (body[offset] === 1) parts.push(body.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return new TextDecoder().decode(concatBytes(parts));
}

function findHeadEnd(stream: Uint8Array): number {
  const text = new TextDecoder("latin1").decode(stream.subarray(0, 4096));
  return text.indexOf("\r\n\r\n") + 3;
}

integrationTest(
  "stdin sent by an attacher before the start reaches the container, and so does its end",
  async (daemon) => {
    // As the docker CLI does for `run -i`: create with stdin open once,
    // attach with stdin, send it (and its end) at once, then start.
    const created = await daemon.api(
      "POST",
      "/v1.47/containers/create?name=summer",
      JSON.stringify({ Image: "busybox", Cmd: ["md5sum"], OpenStdin: true, StdinOnce: true }),
    );
    deepStrictEqual(created.status, 201);
    await created.body?.cancel();
    const conn = await Deno.connect({ transport: "unix", path: daemon.socket });
    await conn.write(encoder.encode(
      "POST /v1.47/containers/summer/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n" +
        "Host: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
    ));
    await conn.write(encoder.encode("data\n"));
    await conn.closeWrite();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await daemon.ok(["start", "summer"]);

    // A container that never sees stdin's end would keep this open.
    const timer = setTimeout(() => conn.close(), 20_000);
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of conn.readable) chunks.push(chunk);
    } catch {
      // closed by the timer
    }
    clearTimeout(timer);
    deepStrictEqual(stdoutOf(concatBytes(chunks)), "6137cde4893c59f76f005a8123d8e8e6  -\n");
    deepStrictEqual(await daemon.ok(["wait", "summer"]), "0\n");
    await daemon.ok(["rm", "summer"]);
    await assertNoLeaks(daemon);
  },
);
