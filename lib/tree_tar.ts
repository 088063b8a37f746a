/**
 * A directory tree as a tar stream (`export`, `commit`): owners, modes,
 * times, symlinks, hardlinks, devices and fifos, long names in PAX
 * headers. With `overlayWhiteouts`, an overlay upper dir becomes an OCI
 * layer: a 0/0 character device is written as `.wh.NAME`, an opaque
 * directory gets a `.wh..wh..opq` entry. Symlinks are written, never
 * followed.
 * @module
 */

import { generatorStream } from "./bytes.ts";
import { BLOCK, entry, type HeaderFields, padding } from "./tar_writer.ts";

const S_IFMT = 0o170000;

/** What to archive and how. */
export interface TreeTarOptions {
  overlayWhiteouts?: boolean;
  /** Whether a directory is overlay-opaque (its xattr; only asked with overlayWhiteouts). */
  isOpaque?: (path: string) => boolean;
  /** Leave out an entry (not its children): `path` is "/etc/hosts" style. */
  skip?: (path: string, info: Deno.FileInfo) => boolean;
  /**
   * Archive `root` itself under this name (a file, a link or a directory
   * with its tree), instead of the entries inside the directory `root`.
   */
  name?: string;
  /** The owner an archive names for a file's uid or gid (a remapped container's own ids). */
  ids?: (id: number, kind: "uid" | "gid") => number;
}

/** The tar of the tree at `root`, streamed. */
export function treeTar(root: string, options: TreeTarOptions = {}): ReadableStream<Uint8Array> {
  const seen = new Map<string, string>(); // dev:ino → first archive path, for hardlinks
  const archived = (relative: string) =>
    options.name === undefined ? relative : relative ? `${options.name}/${relative}` : options.name;

  /** One item (`relative` to root, "" for root itself) and, for a directory, its tree. */
  async function* item(relative: string, info: Deno.FileInfo): AsyncGenerator<Uint8Array> {
    const full = relative ? `${root}/${relative}` : root;
    const path = archived(relative);
    const skipped = options.skip?.(`/${relative}`, info) ?? false;
    if (skipped && !info.isDirectory) return;
    const base: HeaderFields = {
      type: "0",
      mode: info.mode ?? 0o644,
      uid: options.ids ? options.ids(info.uid ?? 0, "uid") : info.uid ?? 0,
      gid: options.ids ? options.ids(info.gid ?? 0, "gid") : info.gid ?? 0,
      mtime: Math.floor((info.mtime?.getTime() ?? 0) / 1000),
    };
    if (info.isCharDevice && info.rdev === 0 && options.overlayWhiteouts) {
      const slash = path.lastIndexOf("/");
      yield* entry(`${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, {
        ...base,
        mode: 0o600,
      });
      return;
    }
    if (info.isDirectory) {
      if (!skipped && path) yield* entry(`${path}/`, { ...base, type: "5" });
      if (options.overlayWhiteouts && options.isOpaque?.(full)) {
        yield* entry(`${path}/.wh..wh..opq`, { ...base, mode: 0o600 });
      }
      const names: string[] = [];
      for await (const child of Deno.readDir(full)) names.push(child.name);
      for (const name of names.sort()) {
        const child = relative ? `${relative}/${name}` : name;
        yield* item(child, await Deno.lstat(`${root}/${child}`));
      }
      return;
    }
    if (info.isSymlink) {
      yield* entry(path, { ...base, type: "2", linkName: await Deno.readLink(full) });
      return;
    }
    const key = `${info.dev}:${info.ino}`;
    if ((info.nlink ?? 1) > 1) {
      const first = seen.get(key);
      if (first) {
        yield* entry(path, { ...base, type: "1", linkName: first });
        return;
      }
      seen.set(key, path);
    }
    if (info.isCharDevice || info.isBlockDevice) {
      const rdev = info.rdev ?? 0;
      yield* entry(path, {
        ...base,
        type: info.isCharDevice ? "3" : "4",
        devMajor: ((rdev >> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff,
        devMinor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
      });
      return;
    }
    if (info.isFifo) {
      yield* entry(path, { ...base, type: "6" });
      return;
    }
    if (((info.mode ?? 0) & S_IFMT) !== 0o100000) return; // sockets are not archived
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
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* item("", await Deno.lstat(root));
    yield new Uint8Array(BLOCK * 2);
  }
  return generatorStream(all());
}
