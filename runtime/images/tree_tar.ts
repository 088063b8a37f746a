/**
 * A directory tree as a tar stream (`export`, `commit`): owners, modes,
 * times, symlinks, hardlinks, devices and fifos, long names in PAX
 * headers. With `overlayWhiteouts`, an overlay upper dir becomes an OCI
 * layer: a 0/0 character device is written as `.wh.NAME`, an opaque
 * directory gets a `.wh..wh..opq` entry. Symlinks are written, never
 * followed.
 * @module
 */

import { lgetxattr } from "../system/libc.ts";
import { BLOCK, entry, type HeaderFields, padding } from "./tar_writer.ts";

const S_IFMT = 0o170000;

/** The tar of the tree at `root`, streamed. */
export function treeTar(
  root: string,
  options: {
    overlayWhiteouts?: boolean;
    /** Leave out an entry (not its children): `path` is "/etc/hosts" style. */
    skip?: (path: string, info: Deno.FileInfo) => boolean;
  } = {},
): ReadableStream<Uint8Array> {
  const seen = new Map<string, string>(); // dev:ino → first path, for hardlinks
  async function* walk(relative: string): AsyncGenerator<Uint8Array> {
    const names: string[] = [];
    for await (const item of Deno.readDir(`${root}/${relative}`)) names.push(item.name);
    for (const name of names.sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const full = `${root}/${path}`;
      const info = await Deno.lstat(full);
      const skipped = options.skip?.(`/${path}`, info) ?? false;
      if (skipped && !info.isDirectory) continue;
      const base: HeaderFields = {
        type: "0",
        mode: info.mode ?? 0o644,
        uid: info.uid ?? 0,
        gid: info.gid ?? 0,
        mtime: Math.floor((info.mtime?.getTime() ?? 0) / 1000),
      };
      if (info.isCharDevice && info.rdev === 0 && options.overlayWhiteouts) {
        const whiteout = relative ? `${relative}/.wh.${name}` : `.wh.${name}`;
        yield* entry(whiteout, { ...base, mode: 0o600 });
        continue;
      }
      if (info.isDirectory) {
        if (!skipped) yield* entry(`${path}/`, { ...base, type: "5" });
        if (options.overlayWhiteouts && lgetxattr(full, "trusted.overlay.opaque")?.[0] === 0x79) {
          yield* entry(`${path}/.wh..wh..opq`, { ...base, mode: 0o600 });
        }
        yield* walk(path);
        continue;
      }
      if (info.isSymlink) {
        yield* entry(path, { ...base, type: "2", linkName: await Deno.readLink(full) });
        continue;
      }
      const key = `${info.dev}:${info.ino}`;
      if ((info.nlink ?? 1) > 1 && !info.isDirectory) {
        const first = seen.get(key);
        if (first) {
          yield* entry(path, { ...base, type: "1", linkName: first });
          continue;
        }
        seen.set(key, path);
      }
      const kind = (info.mode ?? 0) & S_IFMT;
      if (info.isCharDevice || info.isBlockDevice) {
        const rdev = info.rdev ?? 0;
        yield* entry(path, {
          ...base,
          type: info.isCharDevice ? "3" : "4",
          devMajor: ((rdev >> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff,
          devMinor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
        });
        continue;
      }
      if (info.isFifo) {
        yield* entry(path, { ...base, type: "6" });
        continue;
      }
      if (kind !== 0o100000) continue; // sockets are not archived
      yield* entry(path, { ...base, size: info.size });
      const file = await Deno.open(full);
      let left = info.size;
      try {
        for await (const chunk of file.readable) {
          const part = chunk.subarray(0, Math.min(chunk.length, left));
          left -= part.length;
          yield part;
          if (left === 0) break;
        }
      } finally {
        try {
          file.close();
        } catch {
          // closed with its stream
        }
      }
      // A file that shrank while being read: keep the archive well-formed.
      if (left > 0) yield new Uint8Array(left);
      yield padding(info.size);
    }
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* walk("");
    yield new Uint8Array(BLOCK * 2);
  }
  const pieces = all();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { value, done } = await pieces.next();
        if (done) return controller.close();
        if (value.length) return controller.enqueue(value);
      }
    },
    async cancel() {
      await pieces.return(undefined);
    },
  }, { highWaterMark: 0 });
}
