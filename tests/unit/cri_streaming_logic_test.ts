/**
 * The streaming server's pure parts: SPDY framing and header blocks, the
 * WebSocket handshake and frames, the token cache, addresses and the
 * streams a command expects.
 */

import { deepStrictEqual, ok, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import { SPDY_DICTIONARY } from "../../runtime/cri/streaming/spdy_dictionary.ts";
import {
  dataFrame,
  decodeHeaderPairs,
  encodeHeaderPairs,
  FLAG_FIN,
  pingFrame,
  readFrames,
  SpdyType,
  synReplyFrame,
} from "../../runtime/cri/streaming/spdy_frames.ts";
import { SpdyHeaderCodec } from "../../runtime/cri/streaming/spdy_headers.ts";
import {
  acceptKey,
  Opcode,
  readWebSocketFrames,
  webSocketFrame,
} from "../../runtime/cri/streaming/websocket.ts";
import {
  MAX_IN_FLIGHT,
  RequestCache,
  TOKEN_TTL_MS,
  TooManyRequests,
} from "../../runtime/cri/streaming/request_cache.ts";
import { parseStreamAddress } from "../../runtime/cri/streaming/stream_server.ts";
import {
  expectedStreamTypes,
  protocolVersion,
} from "../../runtime/cri/streaming/command_streams.ts";

Deno.test("the SPDY/3 header dictionary is the protocol's 1423 bytes", () => {
  deepStrictEqual(SPDY_DICTIONARY.length, 1423);
  deepStrictEqual(
    createHash("sha256").update(SPDY_DICTIONARY).digest("hex"),
    "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02",
  );
});

Deno.test("SPDY frames split off a buffer; an incomplete one waits for more bytes", () => {
  const bytes = new Uint8Array([
    ...dataFrame(3, new TextEncoder().encode("hello"), true),
    ...pingFrame(7),
    ...synReplyFrame(5, new Uint8Array([1, 2])).subarray(0, 6),
  ]);
  const { frames, rest } = readFrames(bytes);
  deepStrictEqual(frames.length, 2);
  const [data, ping] = frames;
  ok(data.kind === "data" && ping.kind === "control");
  deepStrictEqual([data.streamId, data.flags & FLAG_FIN, new TextDecoder().decode(data.data)], [
    3,
    1,
    "hello",
  ]);
  deepStrictEqual([ping.type, ping.version, [...ping.payload]], [SpdyType.PING, 3, [0, 0, 0, 7]]);
  deepStrictEqual(rest.length, 6);
});

Deno.test("SPDY header pairs round-trip, names lowercased, repeated values joined", () => {
  const pairs = encodeHeaderPairs({ streamType: "data", port: "8080" });
  deepStrictEqual(decodeHeaderPairs(pairs), { streamtype: "data", port: "8080" });
  const nul = encodeHeaderPairs({ accept: "a\0b" });
  deepStrictEqual(decodeHeaderPairs(nul), { accept: "a, b" });
  throws(() => decodeHeaderPairs(pairs.subarray(0, pairs.length - 1)), /truncated/);
});

Deno.test("SPDY header blocks share one zlib context per direction", async () => {
  const sender = new SpdyHeaderCodec(), receiver = new SpdyHeaderCodec();
  try {
    const sizes = [];
    for (const type of ["error", "stdin", "stdout"]) {
      const block = await sender.deflate(encodeHeaderPairs({ streamtype: type }));
      sizes.push(block.length);
      deepStrictEqual(decodeHeaderPairs(await receiver.inflate(block)), { streamtype: type });
    }
    ok(sizes[2] < sizes[0], `later blocks use the shared window: ${sizes}`);
  } finally {
    sender.close();
    receiver.close();
  }
});

Deno.test("WebSocket: the RFC 6455 accept key, masked client frames, server frames", () => {
  deepStrictEqual(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const mask = [0x37, 0xfa, 0x21, 0x3d];
  const text = new TextEncoder().encode("Hello");
  const masked = new Uint8Array([
    0x81,
    0x80 | text.length,
    ...mask,
    ...text.map((b, i) => b ^ mask[i % 4]),
  ]);
  const { frames, rest } = readWebSocketFrames(new Uint8Array([...masked, 0x82]));
  deepStrictEqual(
    frames.map((frame) => [frame.fin, frame.opcode, new TextDecoder().decode(frame.payload)]),
    [
      [true, Opcode.TEXT, "Hello"],
    ],
  );
  deepStrictEqual(rest.length, 1);
  for (const size of [5, 300, 70_000]) {
    const frame = webSocketFrame(Opcode.BINARY, new Uint8Array(size));
    const parsed = readWebSocketFrames(frame).frames;
    deepStrictEqual(parsed.map((f) => f.payload.length), [size]);
  }
});

Deno.test("stream tokens are single-use, expire after a minute, and are bounded in number", () => {
  let now = 1_000;
  const cache = new RequestCache(() => now);
  const token = cache.insert({ kind: "exec", request: { cmd: ["true"] } });
  ok(/^[A-Za-z0-9_-]{11}$/.test(token), token);
  deepStrictEqual(cache.consume(token)?.kind, "exec");
  deepStrictEqual(cache.consume(token), undefined);
  const late = cache.insert({ kind: "attach", request: {} });
  now += TOKEN_TTL_MS;
  deepStrictEqual(cache.consume(late), undefined);
  for (let index = 0; index < MAX_IN_FLIGHT; index++) {
    cache.insert({ kind: "portforward", request: {} });
  }
  throws(() => cache.insert({ kind: "exec", request: {} }), TooManyRequests);
  now += TOKEN_TTL_MS;
  deepStrictEqual(cache.size, 0);
});

Deno.test("stream addresses: host:port, [v6]:port, port 0; nonsense refused", () => {
  deepStrictEqual(parseStreamAddress("127.0.0.1:0"), { host: "127.0.0.1", port: 0 });
  deepStrictEqual(parseStreamAddress("[::1]:10010"), { host: "::1", port: 10010 });
  deepStrictEqual(parseStreamAddress(":10010"), { host: "0.0.0.0", port: 10010 });
  throws(() => parseStreamAddress("localhost"), /HOST:PORT/);
  throws(() => parseStreamAddress("1.2.3.4:70000"), /HOST:PORT/);
});

Deno.test("a command's expected streams follow its options and protocol version", () => {
  deepStrictEqual(protocolVersion("v4.channel.k8s.io"), 4);
  deepStrictEqual(protocolVersion("channel.k8s.io"), 1);
  const tty = { stdin: true, stdout: true, stderr: false, tty: true };
  deepStrictEqual(expectedStreamTypes(tty, 4), ["error", "stdin", "stdout", "resize"]);
  deepStrictEqual(expectedStreamTypes(tty, 2), ["error", "stdin", "stdout"]);
  deepStrictEqual(
    expectedStreamTypes({ stdin: false, stdout: true, stderr: true, tty: false }, 5),
    ["error", "stdout", "stderr"],
  );
});
