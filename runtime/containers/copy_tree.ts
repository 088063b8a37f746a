/**
 * Copying host files into a container's rootfs entry by entry (`docker cp`
 * into a container, the builder's COPY and ADD): every entry's parent is
 * resolved inside the rootfs again (secureJoin), its name never followed,
 * so a symlink in the rootfs can never send a write outside it.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { lchown, mknod, S_IFBLK, S_IFCHR, S_IFIFO, symlink } from "../system/libc.ts";
import { secureJoin } from "../system/secure_join.ts";

/** How copied entries are written. */
export interface CopyOptions {
  /** Refuse replacing a directory by a non-directory and the reverse (else replace). */
  noOverwriteDirNonDir: boolean;
  /** The owner a copied entry gets (host ids). */
  owner: (info: Deno.FileInfo) => readonly [number, number];
  /** The permission bits a copied entry gets (default: the source's). */
  mode?: (info: Deno.FileInfo) => number;
}

/** Copy the entries of the directory `source` into the rootfs directory `destination`. */
export async function copyTree(
  source: string,
  rootfs: string,
  destination: string,
  options: CopyOptions,
): Promise<void> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(source)) names.push(entry.name);
  for (const name of names.sort()) {
    await copyEntry(`${source}/${name}`, rootfs, destination, name, options);
  }
}

/** Copy the host entry `from` (a directory with its tree) to `destination/name` in the rootfs. */
export async function copyEntry(
  from: string,
  rootfs: string,
  destination: string,
  name: string,
  options: CopyOptions,
): Promise<void> {
  const info = await Deno.lstat(from);
  const mode = (fallback: number) =>
    options.mode ? options.mode(info) : (info.mode ?? fallback) & 0o7777;
  // The parent again, resolved inside the root; the name itself never followed.
  const parent = await secureJoin(rootfs, destination);
  const target = `${parent}/${name}`;
  const child = `${destination.replace(/\/+$/, "")}/${name}`;
  const existing = await Deno.lstat(target).catch(() => undefined);
  if (info.isDirectory) {
    if (existing && !existing.isDirectory) {
      if (options.noOverwriteDirNonDir) {
        throw new BadRequest(`cannot overwrite non-directory ${child} with directory`);
      }
      await Deno.remove(target);
    }
    if (!existing?.isDirectory) await Deno.mkdir(target);
    lchown(target, ...options.owner(info));
    await Deno.chmod(target, mode(0o755));
    await copyTree(from, rootfs, child, options);
    return;
  }
  if (existing?.isDirectory) {
    if (options.noOverwriteDirNonDir) {
      throw new BadRequest(`cannot overwrite directory ${child} with non-directory`);
    }
    await Deno.remove(target, { recursive: true });
  } else if (existing) {
    await Deno.remove(target);
  }
  if (info.isSymlink) {
    symlink(await Deno.readLink(from), target);
  } else if (info.isFile) {
    await Deno.copyFile(from, target);
  } else {
    const type = info.isCharDevice ? S_IFCHR : info.isBlockDevice ? S_IFBLK : S_IFIFO;
    const rdev = info.rdev ?? 0;
    mknod(target, type | mode(0o644), (rdev >> 8) & 0xfff, rdev & 0xff);
  }
  lchown(target, ...options.owner(info));
  // After the chown, which clears set-id bits.
  if (info.isFile) await Deno.chmod(target, mode(0o644));
}
