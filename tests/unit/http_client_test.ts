import { deepStrictEqual } from "node:assert/strict";
import { createServer } from "node:http";
import { httpRequest } from "../../cli/http_client.ts";

async function withServer(fn: (socket: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/api.sock`;
  const server = createServer((req, res) => {
    if (req.url === "/json") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "11" });
      res.end('{"ok":true}');
    } else if (req.url === "/chunked") {
      res.writeHead(200);
      res.write("first ");
      setTimeout(() => res.end("second"), 20);
    } else if (req.url === "/echo") {
      const parts: Uint8Array[] = [];
      req.on("data", (chunk) => parts.push(chunk));
      req.on("end", () => res.end(`${req.headers["transfer-encoding"]}:${Buffer.concat(parts)}`));
    } else if (req.url === "/empty") {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end('{"message":"nope"}');
    }
  });
  server.on("upgrade", (_req, socket, head) => {
    socket.write("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ");
    if (head.length) socket.write(head);
    socket.on("data", (chunk: Uint8Array) => socket.write(chunk));
    socket.on("end", () => socket.end("bye"));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    await fn(socket);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("content-length, chunked and empty bodies; error statuses", async () => {
  await withServer(async (socket) => {
    const json = await httpRequest(socket, { method: "GET", path: "/json" });
    deepStrictEqual([json.status, await json.json()], [200, { ok: true }]);
    const chunked = await httpRequest(socket, { method: "GET", path: "/chunked" });
    deepStrictEqual(await chunked.text(), "first second");
    const empty = await httpRequest(socket, { method: "DELETE", path: "/empty" });
    deepStrictEqual([empty.status, await empty.text()], [204, ""]);
    const missing = await httpRequest(socket, { method: "GET", path: "/missing" });
    deepStrictEqual([missing.status, await missing.json()], [404, { message: "nope" }]);
  });
});

Deno.test("a streamed request body goes out chunked", async () => {
  await withServer(async (socket) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("part one, "));
        controller.enqueue(new TextEncoder().encode("part two"));
        controller.close();
      },
    });
    const response = await httpRequest(socket, { method: "POST", path: "/echo", body });
    deepStrictEqual(await response.text(), "chunked:part one, part two");
    const json = await httpRequest(socket, { method: "POST", path: "/echo", body: { a: 1 } });
    deepStrictEqual(await json.text(), 'undefined:{"a":1}');
  });
});

Deno.test("an upgrade hands over the raw connection with half-close", async () => {
  await withServer(async (socket) => {
    const response = await httpRequest(socket, { method: "POST", path: "/attach", upgrade: true });
    deepStrictEqual(response.status, 101);
    await response.conn.write(new TextEncoder().encode("ping "));
    await response.conn.closeWrite();
    deepStrictEqual(await response.text(), "hello ping bye");
  });
});
