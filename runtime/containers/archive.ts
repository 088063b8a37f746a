/**
 * `docker cp`: HEAD, GET and PUT /containers/{id}/archive?path=. Paths are
 * resolved inside the container's rootfs the way the container sees them:
 * every directory on the way through secureJoin (symlinks followed inside
 * the root, `..` never above it), the last component taken as it is.
 * Copying in extracts the tar into scratch space with the safe layer
 * extractor first, then copies entry by entry, each parent resolved again,
 * with the container paused so it cannot swap a directory for a symlink
 * meanwhile. The container's volumes and binds are mounted on its rootfs
 * for the copy, so paths inside them reach their data.
 * @module
 */

import { treeTar } from "../../lib/tree_tar.ts";
import { formatRfc3339Nano } from "../../protocol/timestamp.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { extractLayer, LayerError } from "../images/layer_extract.ts";
import { secureJoin } from "../system/secure_join.ts";
import { TarError } from "../../lib/tar_reader.ts";
import type { Container } from "./container.ts";
import { withRootfs } from "./rootfs.ts";
import { idTranslation } from "../system/userns.ts";
import { copyTree } from "./copy_tree.ts";

/** docker's X-Docker-Container-Path-Stat. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode bits for the type of `info`, plus its permission bits. */
export function goFileMode(info: Deno.FileInfo): number {
  const mode = info.mode ?? 0;
  let bits = mode & 0o777;
  if (info.isDirectory) bits += 2 ** 31;
  if (info.isSymlink) bits += 2 ** 27;
  if (info.isFifo) bits += 2 ** 25;
  if (info.isSocket) bits += 2 ** 24;
  if (info.isBlockDevice) bits += 2 ** 26;
  if (info.isCharDevice) bits += 2 ** 26 + 2 ** 21;
  if (mode & 0o4000) bits += 2 ** 23;
  if (mode & 0o2000) bits += 2 ** 22;
  if (mode & 0o1000) bits += 2 ** 20;
  return bits;
}

/**
 * The `path` of an archive request as docker takes it: required, and a
 * relative one is taken from the container's root (`etc/hosts` is
 * `/etc/hosts`), for reads and writes alike.
 */
export function archiveRequestPath(path: string | null): string {
  if (!path) throw new BadRequest("required query parameter 'path' was not provided");
  return path.startsWith("/") ? path : `/${path}`;
}

/**
 * `path` in the rootfs: its parent resolved inside it, its last component
 * as it is; with a trailing slash the last component is followed too (a
 * symlink to a directory means the directory, as in docker).
 */
async function locate(rootfs: string, path: string): Promise<{ full: string; name: string }> {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  const name = parts.pop();
  if (name === undefined || name === ".." || /\/\.?$/.test(path)) {
    const full = await secureJoin(rootfs, path);
    return { full, name: full === rootfs ? "/" : full.slice(full.lastIndexOf("/") + 1) };
  }
  const parent = await secureJoin(rootfs, parts.join("/"));
  return { full: `${parent}/${name}`, name };
}

async function statOf(full: string, name: string, path: string): Promise<PathStat> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(full);
  } catch {
    throw new NotFound(`Could not find the file ${path} in container`);
  }
  return {
    name,
    size: info.size,
    mode: goFileMode(info),
    mtime: formatRfc3339Nano(info.mtime?.getTime() ?? 0),
    linkTarget: info.isSymlink ? await Deno.readLink(full) : "",
  };
}

/** HEAD /containers/{id}/archive: what `path` is. */
export function statPath(
  context: DaemonContext,
  container: Container,
  path: string,
): Promise<PathStat> {
  return withRootfs(context, container, async (rootfs) => {
    const { full, name } = await locate(rootfs, path);
    return await statOf(full, name, path);
  }, { volumes: true });
}

/** GET /containers/{id}/archive: `path` as a tar, its stat first (to `start`). */
export function archivePath(
  context: DaemonContext,
  container: Container,
  path: string,
  start: (stat: PathStat) => void,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  return withRootfs(context, container, async (rootfs) => {
    const { full, name } = await locate(rootfs, path);
    start(await statOf(full, name, path));
    const ids = idTranslation(container.record.idMapping).toContainer;
    for await (const chunk of treeTar(full, { name, ids })) await write(chunk);
  }, { volumes: true });
}

/** PUT /containers/{id}/archive: extract the tar `body` into the directory `path`. */
export function extractToPath(
  context: DaemonContext,
  container: Container,
  path: string,
  body: ReadableStream<Uint8Array>,
  options: { noOverwriteDirNonDir: boolean },
): Promise<void> {
  return withRootfs(context, container, async (rootfs) => {
    const destination = await secureJoin(rootfs, path);
    const info = await Deno.stat(destination).catch(() => undefined);
    if (!info) throw new NotFound(`Could not find the file ${path} in container`);
    if (!info.isDirectory) throw new BadRequest(`extraction point is not a directory: ${path}`);
    const scratch = await context.layers.scratchDir();
    try {
      try {
        await extractLayer(body, scratch);
      } catch (error) {
        if (error instanceof TarError || error instanceof LayerError) {
          throw new BadRequest(`invalid tar archive: ${error.message}`);
        }
        throw error;
      }
      const running = container.state.Status === "running";
      const driver = context.runtimes.driver(container.record.runtime);
      if (running) await driver.pause(container.id);
      try {
        const ids = idTranslation(container.record.idMapping).toHost;
        await copyTree(scratch, rootfs, path, {
          ...options,
          owner: (info) => [ids(info.uid ?? 0, "uid"), ids(info.gid ?? 0, "gid")],
        });
      } finally {
        if (running) await driver.resume(container.id);
      }
    } finally {
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
  }, { volumes: true });
}
