/**
 * The streams of a remote command (exec, attach) as Kubernetes' clients
 * open them: over SPDY one stream per `streamType` (stdin, stdout, stderr,
 * error, resize), over WebSocket one channel byte per message (0 stdin,
 * 1 stdout, 2 stderr, 3 error, 4 resize; v5's 255 closes a channel).
 * Either way the command sees the same node streams.
 * @module
 */

import { Readable, Writable } from "node:stream";
import type { Duplex } from "node:stream";
import { SpdyConnection, type SpdyStream } from "./spdy_connection.ts";
import { WebSocketConnection } from "./websocket.ts";

/** How long the client has to open its streams (upstream's streamCreationTimeout). */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** The remote command protocols, best first (v5 over SPDY is v4). */
export const COMMAND_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];

/** The WebSocket subprotocols of remote commands (binary framing). */
export const WEBSOCKET_COMMAND_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "channel.k8s.io",
];

/** The protocol's version number: 1 for `channel.k8s.io`, 5 for `v5.channel.k8s.io`. */
export function protocolVersion(protocol: string): number {
  const match = /^v(\d)\.channel\.k8s\.io$/.exec(protocol);
  return match ? Number(match[1]) : 1;
}

/** What the request asked to be connected. */
export interface CommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A remote command's streams, whatever the transport. */
export interface CommandStreams {
  /** The negotiated protocol's version (1 to 5). */
  version: number;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** The command's status (a metav1.Status in v4 and later, plain text before). */
  error: Writable;
  /** Terminal sizes, JSON objects one after another. */
  resize?: Readable;
  /** Resolves once the client has gone. */
  gone: Promise<void>;
  /** End the streams, then the connection. */
  finish(): Promise<void>;
}

/** The stream types the client opens for these options (upstream's expectations). */
export function expectedStreamTypes(options: CommandOptions, version: number): string[] {
  const types = ["error"];
  if (options.stdin) types.push("stdin");
  if (options.stdout) types.push("stdout");
  if (options.stderr && !options.tty) types.push("stderr");
  if (options.tty && version >= 3) types.push("resize");
  return types;
}

/** End `stream` and wait until it is flushed (or gone). */
export function endWritable(stream: Writable | undefined): Promise<void> {
  if (!stream || stream.writableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.end(() => resolve());
    stream.once("error", () => resolve());
    stream.once("close", () => resolve());
  });
}

/**
 * Serve SPDY on `socket` and wait for the client's streams; rejects (and
 * closes) when they do not all come in time or the client leaves first.
 */
export function spdyCommandStreams(
  socket: Duplex,
  options: CommandOptions,
  version: number,
): Promise<CommandStreams> {
  const expected = expectedStreamTypes(options, version);
  const arrived = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    let connection: SpdyConnection | undefined = undefined;
    const timer = setTimeout(() => {
      connection?.close();
      reject(new Error(`timed out waiting for the client's streams (${expected.join(", ")})`));
    }, STREAM_CREATION_TIMEOUT_MS);
    connection = new SpdyConnection(socket, (stream) => {
      const type = stream.headers["streamtype"] ?? "";
      if (!expected.includes(type) || arrived.has(type)) {
        stream.destroy();
        return;
      }
      arrived.set(type, stream);
      if (arrived.size < expected.length) return;
      clearTimeout(timer);
      const streams = [...arrived.values()];
      const open = connection!;
      resolve({
        version,
        stdin: arrived.get("stdin"),
        stdout: arrived.get("stdout"),
        stderr: arrived.get("stderr"),
        error: arrived.get("error")!,
        resize: arrived.get("resize"),
        gone: open.closed,
        async finish() {
          await Promise.all(streams.map(endWritable));
          await open.close();
        },
      });
    });
    connection.closed.then(() => {
      clearTimeout(timer);
      reject(new Error("the client left before opening its streams"));
    });
  });
}

/** The WebSocket channel numbers. */
const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Serve the channel protocol on an upgraded WebSocket connection. */
export function webSocketCommandStreams(
  socket: Duplex,
  options: CommandOptions,
  version: number,
): CommandStreams {
  const readers = new Map<number, Readable>();
  const reader = (channel: number) => {
    const stream = new Readable({ read: () => socket.resume() });
    readers.set(channel, stream);
    return stream;
  };
  const stdin = options.stdin ? reader(Channel.stdin) : undefined;
  const resize = options.tty ? reader(Channel.resize) : undefined;
  const connection = new WebSocketConnection(socket, (message) => {
    if (message.length === 0) return;
    const channel = message[0];
    if (channel === Channel.close && version >= 5) {
      readers.get(message[1])?.push(null);
      return;
    }
    const target = readers.get(channel);
    if (target && !target.readableEnded && !target.push(message.subarray(1))) socket.pause();
  });
  connection.closed.then(() => {
    for (const stream of readers.values()) if (!stream.readableEnded) stream.push(null);
  });
  const writer = (channel: number) =>
    new Writable({
      write(chunk: Uint8Array, _encoding, done) {
        const message = new Uint8Array(chunk.length + 1);
        message[0] = channel;
        message.set(chunk, 1);
        connection.send(message).then(() => done(), done);
      },
    });
  const stdout = options.stdout ? writer(Channel.stdout) : undefined;
  const stderr = options.stderr && !options.tty ? writer(Channel.stderr) : undefined;
  const error = writer(Channel.error);
  // Upstream's first message: an empty one on the lowest writable channel,
  // telling the client the streams are ready.
  (stdout ?? stderr ?? error).write(new Uint8Array(0));
  return {
    version,
    stdin,
    stdout,
    stderr,
    error,
    resize,
    gone: connection.closed,
    async finish() {
      await Promise.all([stdout, stderr, error].map(endWritable));
      connection.close();
    },
  };
}
