/**
 * Builds tar archives for tests, including the malformed and hostile ones
 * an image layer must be refused for. Headers are ustar; long paths and
 * xattrs go in PAX headers.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";

/** One entry to write. */
export interface TestTarEntry {
  path: string;
  type?: "file" | "directory" | "symlink" | "hardlink" | "chardev" | "fifo";
  content?: string | Uint8Array;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkPath?: string;
  devMajor?: number;
  devMinor?: number;
  xattrs?: Record<string, string>;
  /** Store a wrong checksum. */
  corruptChecksum?: boolean;
  /** Claim this many bytes of content instead of the real length. */
  claimedSize?: number;
}

const encoder = new TextEncoder();
const TYPE_FLAGS = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  chardev: "3",
  directory: "5",
  fifo: "6",
} as const;

function put(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0");
}

function header(
  path: string,
  flag: string,
  size: number,
  entry: Partial<TestTarEntry>,
): Uint8Array {
  const block = new Uint8Array(512);
  put(block, 0, 100, path);
  put(block, 100, 8, octal(entry.mode ?? 0o644, 8));
  put(block, 108, 8, octal(entry.uid ?? 0, 8));
  put(block, 116, 8, octal(entry.gid ?? 0, 8));
  put(block, 124, 12, octal(size, 12));
  put(block, 136, 12, octal(entry.mtime ?? 1_700_000_000, 12));
  put(block, 156, 1, flag);
  put(block, 157, 100, entry.linkPath ?? "");
  put(block, 257, 6, "ustar\0");
  put(block, 263, 2, "00");
  put(block, 329, 8, octal(entry.devMajor ?? 0, 8));
  put(block, 337, 8, octal(entry.devMinor ?? 0, 8));
  block.fill(0x20, 148, 156);
  let sum = block.reduce((total, byte) => total + byte, 0);
  if (entry.corruptChecksum) sum += 1;
  put(block, 148, 8, octal(sum, 7) + "\0");
  return block;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
  return `${length}${body}`;
}

/** The tar archive of `entries`, ended by two zero blocks unless `end` is false. */
export function buildTar(entries: TestTarEntry[], options: { end?: boolean } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const content = typeof entry.content === "string"
      ? encoder.encode(entry.content)
      : entry.content ?? new Uint8Array(0);
    const pax = Object.entries(entry.xattrs ?? {}).map(([name, value]) =>
      paxRecord(`SCHILY.xattr.${name}`, value)
    );
    if (encoder.encode(entry.path).length > 100) pax.push(paxRecord("path", entry.path));
    if (pax.length) {
      const data = encoder.encode(pax.join(""));
      parts.push(header("PaxHeader", "x", data.length, {}), padded(data));
    }
    const size = entry.claimedSize ?? (type === "file" ? content.length : 0);
    parts.push(header(entry.path.slice(0, 100), TYPE_FLAGS[type], size, entry));
    if (type === "file") parts.push(padded(content));
  }
  if (options.end !== false) parts.push(new Uint8Array(1024));
  return concatBytes(parts);
}

/** A stream of `bytes`, in chunks of `chunk` bytes. */
export function streamOf(bytes: Uint8Array, chunk = 4096): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}
