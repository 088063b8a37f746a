/**
 * GET /containers/{id}/export (`docker export`): the container's
 * filesystem as a tar, from its mounted rootfs (mounted for the export
 * when the container is not running), with the container's lock held so
 * that it is not started or removed meanwhile.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { treeTar } from "../images/tree_tar.ts";
import type { Container } from "./container.ts";
import { mountRootfs, unmountRootfs } from "./rootfs.ts";
import { isRuntimeMountPoint } from "./changes.ts";

/** Stream the container's filesystem to `write`. */
export function exportContainer(
  context: DaemonContext,
  container: Container,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  return container.lock.run(async () => {
    const mounted = container.isRunning || container.state.Status === "paused";
    if (!mounted) await mountRootfs(context, container);
    try {
      const tar = treeTar(container.paths.rootfs, {
        skip: (path, info) => path.startsWith("/etc/") && isRuntimeMountPoint(path, info),
      });
      for await (const chunk of tar) await write(chunk);
    } finally {
      if (!mounted) await unmountRootfs(container);
    }
  });
}
