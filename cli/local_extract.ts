/**
 * Extracting what `cp` gets from a container into a local directory. The
 * archive comes from the container, so it is not trusted: absolute paths
 * and `..` are refused, and nothing is written through a symlink (a
 * symlink on the way, from the archive or already there, is refused; one at
 * the very path is replaced, not followed). Device nodes are skipped.
 * @module
 */

import { readTar } from "../lib/tar_reader.ts";
import { writeAll } from "../protocol/write_all.ts";

/** The archive entry's path as components; throws for escapes. */
function safeParts(path: string): string[] {
  if (path.startsWith("/")) throw new Error(`refusing the absolute path ${path} in the archive`);
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new Error(`refusing the path ${path}, which leaves the target`);
  return parts;
}

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  return await Deno.lstat(path).catch(() => undefined);
}

/**
 * Extract `archive` under the directory `base`; with `rename`, the archive's
 * top-level name becomes `rename` (copying to a new name).
 */
export async function extractLocal(
  archive: ReadableStream<Uint8Array>,
  base: string,
  rename?: string,
): Promise<void> {
  const directories: [string, number][] = [];
  await readTar(archive, async (header, body) => {
    const parts = safeParts(header.path);
    if (parts.length === 0) return;
    if (rename) parts[0] = rename;
    let current = base;
    for (const part of parts.slice(0, -1)) {
      current = `${current}/${part}`;
      const info = await lstat(current);
      if (!info) await Deno.mkdir(current);
      else if (info.isSymlink) throw new Error(`refusing to write through the symlink ${current}`);
      else if (!info.isDirectory) throw new Error(`${current} is not a directory`);
    }
    const target = `${current}/${parts.at(-1)}`;
    const existing = await lstat(target);
    if (header.type === "directory") {
      if (existing && !existing.isDirectory) await Deno.remove(target);
      if (!existing?.isDirectory) await Deno.mkdir(target);
      directories.push([target, header.mode]);
      return;
    }
    if (existing?.isDirectory) throw new Error(`cannot overwrite the directory ${target}`);
    if (existing) await Deno.remove(target);
    if (header.type === "file") {
      const file = await Deno.open(target, { write: true, createNew: true, mode: 0o600 });
      try {
        for await (const chunk of body()) {
          await writeAll(file, chunk);
        }
      } finally {
        file.close();
      }
      await Deno.chmod(target, header.mode);
    } else if (header.type === "symlink") {
      await Deno.symlink(header.linkPath, target);
    } else if (header.type === "hardlink") {
      const linked = safeParts(header.linkPath);
      if (rename) linked[0] = rename;
      await Deno.link(`${base}/${linked.join("/")}`, target);
    }
    // Devices and fifos stay behind: they need privileges a client may lack.
  });
  for (const [path, mode] of directories.reverse()) await Deno.chmod(path, mode);
}
