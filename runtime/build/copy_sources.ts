/**
 * COPY and ADD sources: found in the build context (or another stage's
 * rootfs) by docker's rules — paths resolved inside that root, symlinks
 * followed only within it, `*`, `?` and `[...]` matched per path
 * component — hashed by content for the build cache, and copied into the
 * step's rootfs with the owner and mode the instruction asks for.
 * @module
 */

import { createHash } from "node:crypto";
import { secureJoin } from "../system/secure_join.ts";
import { copyEntry, copyTree } from "../containers/copy_tree.ts";
import { lchown } from "../system/libc.ts";
import { DockerfileError } from "./dockerfile_parser.ts";

/** One source found. */
export interface CopySource {
  /** Host path of the entry (inside its root). */
  full: string;
  /** The name it is copied as when the destination is a directory. */
  name: string;
  isDirectory: boolean;
}

const GLOB = /[*?[]/;

/** A Go filepath.Match pattern of one path component as a regex. */
function componentRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else if (ch === "\\" && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) throw new DockerfileError(`syntax error in pattern: ${pattern}`);
      let set = pattern.slice(i + 1, end);
      if (set.startsWith("^")) set = `^${set.slice(1)}`;
      source += `[${set}]`;
      i = end;
    } else source += /[.+^${}()|\]\\/]/.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${source}$`);
}

/** The relative paths under `root` a source pattern names (itself when it has no wildcard). */
async function expand(root: string, pattern: string): Promise<string[]> {
  const parts = pattern.split("/").filter((part) => part !== "" && part !== ".");
  let current = [""];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of current) {
      const join = (name: string) => (base ? `${base}/${name}` : name);
      if (!GLOB.test(part)) {
        next.push(join(part));
        continue;
      }
      const regex = componentRegex(part);
      const names: string[] = [];
      try {
        for await (const entry of Deno.readDir(await secureJoin(root, base))) {
          if (regex.test(entry.name)) names.push(entry.name);
        }
      } catch {
        continue;
      }
      next.push(...names.sort().map(join));
    }
    current = next;
  }
  return current;
}

/** Find each source of a COPY or ADD in `root`; `where` words the error. */
export async function findSources(
  root: string,
  patterns: string[],
  where: string,
): Promise<CopySource[]> {
  const sources: CopySource[] = [];
  for (const pattern of patterns) {
    const paths = await expand(root, pattern);
    if (paths.length === 0 && GLOB.test(pattern)) continue;
    for (const relative of paths) {
      const full = await secureJoin(root, relative);
      const info = await Deno.stat(full).catch(() => undefined);
      if (!info) {
        throw new DockerfileError(
          `file not found in ${where}: stat ${pattern}: file does not exist`,
        );
      }
      const name = full === root ? "" : full.slice(full.lastIndexOf("/") + 1);
      sources.push({ full, name, isDirectory: info.isDirectory });
    }
  }
  if (sources.length === 0) throw new DockerfileError("no source files were specified");
  return sources;
}

/**
 * The content checksum of the sources (names, types, modes, link targets,
 * file bytes; not times or owners): what decides a COPY's cache hit.
 */
export async function sourcesChecksum(sources: CopySource[]): Promise<string> {
  const hash = createHash("sha256");
  const visit = async (full: string, relative: string): Promise<void> => {
    const info = await Deno.lstat(full);
    hash.update(`${relative}\0${info.mode ?? 0}\0`);
    if (info.isSymlink) hash.update(`link\0${await Deno.readLink(full)}\0`);
    else if (info.isFile) {
      hash.update(`file\0${info.size}\0`);
      using file = await Deno.open(full);
      for await (const chunk of file.readable) hash.update(chunk);
    } else if (info.isDirectory) await visitChildren(full, relative);
  };
  const visitChildren = async (dir: string, relative: string) => {
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    for (const name of names.sort()) {
      await visit(`${dir}/${name}`, relative ? `${relative}/${name}` : name);
    }
  };
  for (const source of sources) {
    hash.update(`source\0${source.name}\0`);
    // A directory source's contents are copied, not the directory itself.
    if (source.isDirectory) await visitChildren(source.full, "");
    else await visit(source.full, "");
  }
  const kind = sources.length > 1 ? "multi" : sources[0].isDirectory ? "dir" : "file";
  return `${kind}:${hash.digest("hex")}`;
}

/** How the sources are written into the rootfs. */
export interface CopyTarget {
  rootfs: string;
  /** Absolute destination path in the container. */
  destination: string;
  /** The destination is a directory the sources go into (ends with `/`, or several sources). */
  intoDirectory: boolean;
  /** Host uid and gid of everything copied and created. */
  owner: readonly [number, number];
  /** --chmod's permission bits. */
  mode?: number;
}

/** Create the directories of `path` in the rootfs that are missing (mode 0755, owned by `owner`). */
export async function makeDirectories(
  rootfs: string,
  path: string,
  owner: readonly [number, number],
): Promise<void> {
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const full = await secureJoin(rootfs, parts.slice(0, i).join("/"));
    const info = await Deno.stat(full).catch(() => undefined);
    if (info?.isDirectory) continue;
    if (info) {
      throw new DockerfileError(`mkdir /${parts.slice(0, i).join("/")}: not a directory`);
    }
    await Deno.mkdir(full);
    lchown(full, ...owner);
    await Deno.chmod(full, 0o755);
  }
}

/** Copy every source to the target, as COPY does. */
export async function copySources(sources: CopySource[], target: CopyTarget): Promise<void> {
  const { rootfs, destination, owner } = target;
  const options = {
    noOverwriteDirNonDir: false,
    owner: () => owner,
    ...(target.mode !== undefined ? { mode: () => target.mode! } : {}),
  };
  const existing = await Deno.stat(await secureJoin(rootfs, destination)).catch(() => undefined);
  const intoDirectory = target.intoDirectory || existing?.isDirectory === true;
  for (const source of sources) {
    if (source.isDirectory) {
      await makeDirectories(rootfs, destination, owner);
      await copyTree(source.full, rootfs, destination, options);
    } else if (intoDirectory) {
      await makeDirectories(rootfs, destination, owner);
      await copyEntry(source.full, rootfs, destination, source.name, options);
    } else {
      const slash = destination.lastIndexOf("/");
      const parent = destination.slice(0, slash) || "/";
      await makeDirectories(rootfs, parent, owner);
      await copyEntry(source.full, rootfs, parent, destination.slice(slash + 1), options);
    }
  }
}
