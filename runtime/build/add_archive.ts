/**
 * ADD of a local archive: a tar (plain, gzip, bzip2, xz or zstd) is
 * unpacked into the destination with the safe layer extractor, then
 * copied entry by entry into the rootfs; anything else is copied as a
 * file, as docker does.
 * @module
 */

import { copyTree } from "../containers/copy_tree.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { extractLayer } from "../images/layer_extract.ts";
import { idTranslation } from "../system/userns.ts";
import type { Container } from "../containers/container.ts";
import { peekTar, uncompressed } from "./build_context.ts";
import { type CopyTarget, makeDirectories } from "./copy_sources.ts";

/**
 * Unpack `path` into the target when it is an archive; false when it is
 * not one. Owners are the archive's unless `chowned`.
 */
export async function extractArchive(
  context: DaemonContext,
  container: Container,
  path: string,
  target: CopyTarget,
  chowned: boolean,
): Promise<boolean> {
  const file = await Deno.open(path);
  const tar = await peekTar((await uncompressed(file.readable)).stream);
  if (!tar) return false;
  const scratch = await context.layers.scratchDir();
  try {
    await extractLayer(tar, scratch);
    await makeDirectories(target.rootfs, target.destination, target.owner);
    const ids = idTranslation(container.record.idMapping).toHost;
    await copyTree(scratch, target.rootfs, target.destination, {
      noOverwriteDirNonDir: false,
      owner: chowned
        ? () => target.owner
        : (info) => [ids(info.uid ?? 0, "uid"), ids(info.gid ?? 0, "gid")],
      ...(target.mode !== undefined ? { mode: () => target.mode! } : {}),
    });
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
  return true;
}
