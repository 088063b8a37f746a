/**
 * Extracting one image layer into an empty directory, safe by
 * construction: the directory starts empty and only this code writes into
 * it, so a map of what it has made so far is the truth about every path.
 * A path that is absolute, holds `..`, or would pass through a symlink; a
 * hardlink to something the layer does not hold; a header that does not
 * check out: each is refused with a clear error (the caller deletes the
 * directory, so nothing is left behind).
 *
 * OCI/Docker whiteouts become overlayfs ones: `.wh.NAME` a 0/0 character
 * device NAME, `.wh..wh..opq` the opaque xattr on its directory.
 * Ownership, modes, times, xattrs, hardlinks, symlinks and device nodes are
 * kept.
 * @module
 */

import { createHash } from "node:crypto";
import { lchown, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO, symlink } from "../system/libc.ts";
import { readTar, type TarHeader, type TarSkeletonSink } from "../../lib/tar_reader.ts";
import { writeAll } from "../../protocol/write_all.ts";

/** The layer's content is unsafe or malformed; the message says which entry. */
export class LayerError extends Error {}

/** What extraction learned: the diff ID and size of the uncompressed tar. */
export interface ExtractedLayer {
  diffId: string;
  size: number;
}

type Kind = "directory" | "file" | "symlink" | "other";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const OPAQUE_XATTR = "trusted.overlay.opaque";

/** The entry's path as components inside the layer; refuses escapes. */
export function layerPath(raw: string): string[] {
  if (raw.includes("\0")) throw new LayerError(`a path with a NUL byte: "${raw}"`);
  if (raw.startsWith("/")) throw new LayerError(`absolute path "${raw}" in the layer`);
  const parts = raw.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new LayerError(`path "${raw}" leaves the layer through ".."`);
  return parts;
}

/**
 * Extract the layer tar `stream` into the empty directory `target`; with
 * `skeleton`, also record what rebuilds the tar from the files.
 */
export async function extractLayer(
  stream: ReadableStream<Uint8Array>,
  target: string,
  skeleton?: TarSkeletonSink,
): Promise<ExtractedLayer> {
  const hash = createHash("sha256");
  let size = 0;
  const hashed = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        size += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const extractor = new Extractor(target);
  await readTar(hashed, (header, body) => extractor.entry(header, body), skeleton);
  await extractor.finish();
  return { diffId: `sha256:${hash.digest("hex")}`, size };
}

class Extractor {
  #target: string;
  #known = new Map<string, Kind>([["", "directory"]]);
  /** Directory modes and times, applied last (a read-only one would block its children). */
  #directories = new Map<string, TarHeader>();

  constructor(target: string) {
    this.#target = target;
  }

  #absolute(relative: string): string {
    return relative ? `${this.#target}/${relative}` : this.#target;
  }

  /** Make the missing parents of `parts`; refuse a parent that is not a directory we made. */
  async #parents(parts: string[], raw: string): Promise<string> {
    let current = "";
    for (const part of parts.slice(0, -1)) {
      current = current ? `${current}/${part}` : part;
      const kind = this.#known.get(current);
      if (kind === undefined) {
        await Deno.mkdir(this.#absolute(current), { mode: 0o755 });
        this.#known.set(current, "directory");
      } else if (kind === "symlink") {
        throw new LayerError(`"${raw}" would be written through the symlink "${current}"`);
      } else if (kind !== "directory") {
        throw new LayerError(`"${raw}": "${current}" is not a directory`);
      }
    }
    return current;
  }

  /** Remove whatever is at `relative` (a later entry replaces an earlier one). */
  async #replace(relative: string, keepDirectory: boolean): Promise<void> {
    const kind = this.#known.get(relative);
    if (kind === undefined || (keepDirectory && kind === "directory")) return;
    await Deno.remove(this.#absolute(relative), { recursive: true });
    for (const key of [...this.#known.keys()]) {
      if (key === relative || key.startsWith(`${relative}/`)) this.#known.delete(key);
    }
    for (const key of [...this.#directories.keys()]) {
      if (key === relative || key.startsWith(`${relative}/`)) this.#directories.delete(key);
    }
  }

  async entry(header: TarHeader, body: () => ReadableStream<Uint8Array>): Promise<void> {
    const parts = layerPath(header.path);
    if (parts.length === 0) {
      // The layer's root: only its metadata.
      if (header.type === "directory") this.#directories.set("", header);
      return;
    }
    const parent = await this.#parents(parts, header.path);
    const name = parts.at(-1)!;
    if (name === OPAQUE) {
      this.#opaque(parent);
      return;
    }
    if (name.startsWith(WHITEOUT)) {
      // `.wh..wh.*` other than the opaque marker are aufs internals: nothing to do.
      if (name.startsWith(`${WHITEOUT}${WHITEOUT}`)) return;
      await this.#whiteout(parent, name.slice(WHITEOUT.length), header);
      return;
    }
    const relative = parent ? `${parent}/${name}` : name;
    const path = this.#absolute(relative);
    await this.#replace(relative, header.type === "directory");
    switch (header.type) {
      case "directory":
        if (!this.#known.has(relative)) await Deno.mkdir(path, { mode: 0o700 });
        this.#known.set(relative, "directory");
        this.#directories.set(relative, header);
        lchown(path, header.uid, header.gid);
        this.#xattrs(path, header);
        return;
      case "file":
        await this.#file(path, header, body());
        this.#known.set(relative, "file");
        return;
      case "symlink":
        if (header.linkPath === "") throw new LayerError(`symlink "${header.path}" has no target`);
        symlink(header.linkPath, path);
        this.#known.set(relative, "symlink");
        lchown(path, header.uid, header.gid);
        this.#xattrs(path, header);
        return;
      case "hardlink":
        await this.#hardlink(path, relative, header);
        return;
      default:
        this.#node(path, header);
        this.#known.set(relative, "other");
    }
  }

  async #file(path: string, header: TarHeader, content: ReadableStream<Uint8Array>) {
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    try {
      let written = 0;
      for await (const chunk of content) {
        await writeAll(file, chunk);
        written += chunk.length;
      }
      if (written !== header.size) throw new LayerError(`"${header.path}" is truncated`);
    } finally {
      file.close();
    }
    lchown(path, header.uid, header.gid);
    // After the chown, which clears set-id bits.
    await Deno.chmod(path, header.mode);
    await Deno.utime(path, header.mtime, header.mtime);
    this.#xattrs(path, header);
  }

  async #hardlink(path: string, relative: string, header: TarHeader): Promise<void> {
    const target = layerPath(header.linkPath).join("/");
    const kind = this.#known.get(target);
    if (kind === undefined) {
      throw new LayerError(
        `hardlink "${header.path}" points at "${header.linkPath}", which the layer does not hold`,
      );
    }
    if (kind === "directory") {
      throw new LayerError(
        `hardlink "${header.path}" points at the directory "${header.linkPath}"`,
      );
    }
    await Deno.link(this.#absolute(target), path);
    this.#known.set(relative, kind);
  }

  #node(path: string, header: TarHeader): void {
    const type = header.type === "chardev"
      ? S_IFCHR
      : header.type === "blockdev"
      ? S_IFBLK
      : S_IFIFO;
    mknod(path, type | header.mode, header.devMajor, header.devMinor);
    lchown(path, header.uid, header.gid);
    this.#xattrs(path, header);
  }

  async #whiteout(parent: string, name: string, header: TarHeader): Promise<void> {
    if (name === "") throw new LayerError(`whiteout "${header.path}" names nothing`);
    const relative = parent ? `${parent}/${name}` : name;
    await this.#replace(relative, false);
    const path = this.#absolute(relative);
    mknod(path, S_IFCHR, 0, 0);
    lchown(path, header.uid, header.gid);
    this.#known.set(relative, "other");
  }

  /** Mark `parent` (made by #parents) opaque: lower layers' content under it is hidden. */
  #opaque(parent: string): void {
    lsetxattr(this.#absolute(parent), OPAQUE_XATTR, new TextEncoder().encode("y"));
  }

  #xattrs(path: string, header: TarHeader): void {
    for (const [name, value] of header.xattrs) lsetxattr(path, name, value);
  }

  /** Directory modes and times, deepest first. */
  async finish(): Promise<void> {
    const directories = [...this.#directories].sort(([a], [b]) => b.length - a.length);
    for (const [relative, header] of directories) {
      const path = this.#absolute(relative);
      if (relative === "") lchown(path, header.uid, header.gid);
      await Deno.chmod(path, header.mode);
      await Deno.utime(path, header.mtime, header.mtime);
    }
  }
}
