/**
 * GET /containers/{id}/export (`docker export`): the container's
 * filesystem as a tar, from its rootfs (see withRootfs).
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { treeTar } from "../../lib/tree_tar.ts";
import type { Container } from "./container.ts";
import { withRootfs } from "./rootfs.ts";
import { isRuntimeMountPoint } from "./changes.ts";
import { idTranslation } from "../system/userns.ts";

/** Stream the container's filesystem to `write`. */
export function exportContainer(
  context: DaemonContext,
  container: Container,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  return withRootfs(context, container, async (rootfs) => {
    const tar = treeTar(rootfs, {
      skip: (path, info) => path.startsWith("/etc/") && isRuntimeMountPoint(path, info),
      ids: idTranslation(container.record.idMapping).toContainer,
    });
    for await (const chunk of tar) await write(chunk);
  });
}
