import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand, type TestDaemon } from "./helpers/harness.ts";
import {
  closeQuietly,
  connectUnix,
  rawRequest,
  readAtLeast,
  readHead,
  sendQuietly,
} from "./helpers/raw_http.ts";

const MiB = 1024 * 1024;

/** The daemon's resident memory, in bytes. */
async function rss(daemon: TestDaemon): Promise<number> {
  // Deno reads /proc/PID only with --allow-all: cat does.
  const status = (await runCommand("cat", [`/proc/${daemon.pid}/status`])).stdout;
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * Send a body of `length` bytes made of `chunk`, announced with
 * Content-Length or (`chunked`) sent in chunked encoding, until the daemon
 * answers; returns the answer's head and how many body bytes went out.
 */
async function pushBody(
  daemon: TestDaemon,
  path: string,
  length: number,
  chunk: Uint8Array,
  options: { chunked?: boolean } = {},
): Promise<{ head: string; sent: number }> {
  const conn = await connectUnix(daemon.socket);
  const encoder = new TextEncoder();
  try {
    const { head } = rawRequest("POST", path, { headers: { "Content-Type": "application/json" } });
    const framing = options.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`;
    await sendQuietly(
      conn,
      encoder.encode(new TextDecoder().decode(head).replace("Content-Length: 0", framing)),
    );
    const frame = options.chunked
      ? new Uint8Array([
        ...encoder.encode(`${chunk.length.toString(16)}\r\n`),
        ...chunk,
        ...encoder.encode("\r\n"),
      ])
      : chunk;
    const answer = readHead(conn, 60_000);
    let sent = 0;
    let answered = false;
    answer.then(() => answered = true);
    while (chunk.length > 0 && sent < length && !answered) {
      if (!await sendQuietly(conn, frame)) break;
      sent += chunk.length;
    }
    return { head: await answer, sent };
  } finally {
    closeQuietly(conn);
  }
}

/** Pings while `work` runs; all must answer. Returns how many answered. */
async function pingThroughout(daemon: TestDaemon, work: Promise<unknown>): Promise<number> {
  let done = false;
  work.finally(() => done = true).catch(() => {});
  let answered = 0;
  while (!done) {
    ok(await daemon.ping(), "_ping answers while a client misbehaves");
    answered++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return answered;
}

integrationTest(
  "request bounds: oversized and deep bodies, bad UTF-8, huge heads and stalled clients are refused while the daemon keeps answering",
  async (daemon) => {
    const base = await rss(daemon);

    // 100 MB of nested arrays: refused at once for its depth.
    const deep = pushBody(
      daemon,
      "/containers/create",
      100 * MiB,
      new Uint8Array(64 * 1024).fill(0x5b),
      { chunked: true },
    );
    await pingThroughout(daemon, deep);
    const deepAnswer = await deep;
    match(deepAnswer.head, /^HTTP\/1\.1 400 /);
    ok(deepAnswer.sent < 100 * MiB, "the rest of the body is never read");
    const deepError = await daemon.api("POST", "/containers/create", "[".repeat(101));
    deepStrictEqual(deepError.status, 400);
    match((await deepError.json()).message, /nests more than 100 levels deep/);

    // 100 MB of one string: refused once past 16 MiB.
    const quote = new Uint8Array(64 * 1024).fill(0x61);
    quote[0] = 0x22;
    const long = pushBody(daemon, "/containers/create", 100 * MiB, quote, { chunked: true });
    await pingThroughout(daemon, long);
    const longAnswer = await long;
    match(longAnswer.head, /^HTTP\/1\.1 413 /);
    match(longAnswer.head, /Connection: close/i);
    ok(longAnswer.sent < 100 * MiB);
    // Announced too large: refused before a byte of it is read.
    const announced = await pushBody(daemon, "/containers/create", 100 * MiB, new Uint8Array(0));
    match(announced.head, /^HTTP\/1\.1 413 /);
    // Too many values for its size.
    const wide = await daemon.api("POST", "/containers/create", `[${"0,".repeat(100_001)}0]`);
    deepStrictEqual(wide.status, 400);
    match((await wide.json()).message, /more than 100000 values/);
    ok(await rss(daemon) - base < 256 * MiB, "the daemon's memory stays bounded");

    // Invalid UTF-8 in a create body: 400, nothing made.
    const bytes = new TextEncoder().encode(
      JSON.stringify({ Image: "busybox", Cmd: ["echo", "XX"] }),
    );
    const at = bytes.indexOf(0x58);
    bytes.set([0xc3, 0x28], at);
    const badUtf8 = await daemon.api("POST", "/containers/create", bytes);
    deepStrictEqual(badUtf8.status, 400);
    match((await badUtf8.json()).message, /not valid UTF-8/);
    deepStrictEqual(await daemon.ok(["ps", "-aq"]), "");

    // A 1 MB URL and a 1 MB header: 431.
    for (
      const head of [
        `GET /containers/json?x=${"a".repeat(MiB)} HTTP/1.1\r\nHost: berth\r\n\r\n`,
        `GET /_ping HTTP/1.1\r\nHost: berth\r\nX-Big: ${"a".repeat(MiB)}\r\n\r\n`,
      ]
    ) {
      const conn = await connectUnix(daemon.socket);
      await sendQuietly(conn, new TextEncoder().encode(head));
      match(await readHead(conn), /^HTTP\/1\.1 431 /);
      closeQuietly(conn);
    }
    // 60 KB of query is still a request.
    deepStrictEqual(
      (await daemon.api("GET", `/containers/json?all=1&x=${"a".repeat(60_000)}`)).status,
      200,
    );

    // A slowloris of 40 connections and a body that stalls: the daemon
    // answers everyone else meanwhile, and drops them after 60 s. A
    // streaming answer (logs -f) and an attach go on past that.
    await daemon.ok([
      "run",
      "-d",
      "--name",
      "ticker",
      "busybox",
      "sh",
      "-c",
      "while :; do echo tick; sleep 1; done",
    ]);
    const follow = await connectUnix(daemon.socket);
    await sendQuietly(
      follow,
      rawRequest("GET", "/containers/ticker/logs?follow=1&stdout=1").head,
    );
    match(await readHead(follow), /^HTTP\/1\.1 200 /);
    const attached = await connectUnix(daemon.socket);
    await sendQuietly(
      attached,
      rawRequest("POST", "/containers/ticker/attach?stream=1&stdout=1", {
        headers: { Connection: "Upgrade", Upgrade: "tcp" },
      }).head,
    );
    match(await readHead(attached), /^HTTP\/1\.1 101 /);
    const started = Date.now();
    const loris = await Promise.all(Array.from({ length: 40 }, async () => {
      const conn = await connectUnix(daemon.socket);
      await sendQuietly(conn, new TextEncoder().encode("GET /containers/json HTTP/1.1\r\nHost: "));
      return conn;
    }));
    const drip = setInterval(() => {
      for (const conn of loris) sendQuietly(conn, new TextEncoder().encode("b"));
    }, 1000);
    const stalled = await connectUnix(daemon.socket);
    const { head } = rawRequest("POST", "/containers/create", {
      headers: { "Content-Type": "application/json" },
    });
    await sendQuietly(
      stalled,
      new TextEncoder().encode(
        new TextDecoder().decode(head).replace("Content-Length: 0", "Content-Length: 100"),
      ),
    );
    await sendQuietly(stalled, new TextEncoder().encode('{"Image":'));
    try {
      const dropped = Promise.all(loris.map((conn) => readAtLeast(conn, 1, 75_000)));
      const stalledAnswer = readHead(stalled, 75_000);
      await pingThroughout(daemon, Promise.all([dropped, stalledAnswer]));
      // Dropped without an answer (the head never ended), after the timeout.
      deepStrictEqual((await dropped).map((bytes) => bytes.length), new Array(40).fill(0));
      ok(Date.now() - started >= 59_000, "not dropped before 60 s");
      ok(Date.now() - started < 75_000, "dropped once 60 s have passed");
      match(await stalledAnswer, /^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
      for (const conn of loris) closeQuietly(conn);
      closeQuietly(stalled);
    }
    for (const stream of [follow, attached]) {
      // What waited while nobody read, then a fresh tick.
      await readAtLeast(stream, 64 * 1024, 500);
      ok((await readAtLeast(stream, 1, 3000)).length > 0, "a stream outlives the head timeout");
      closeQuietly(stream);
    }
    ok(await daemon.ping());
    await daemon.ok(["rm", "-f", "ticker"]);
    await assertNoLeaks(daemon);
  },
  { runtimes: ["runc"], importImage: true },
);
