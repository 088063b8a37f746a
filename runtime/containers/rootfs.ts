/**
 * A container's root filesystem: an overlayfs of the image's layers (lower,
 * top first) with the container's own upper and work dirs, mounted while
 * it runs.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { MNT_DETACH, mount, unmount } from "../system/libc.ts";
import { isMountPoint } from "../system/mountinfo.ts";
import type { Container } from "./container.ts";

/** The longest mount data the kernel takes (one page). */
const MAX_MOUNT_DATA = 4095;

/** Mount the container's rootfs (no-op when already mounted). */
export async function mountRootfs(context: DaemonContext, container: Container): Promise<void> {
  const { paths, record } = container;
  if (await isMountPoint(paths.rootfs)) return;
  const lower = [...record.layers].reverse().map((diffId) => context.layers.diffPath(diffId));
  const data = `lowerdir=${
    lower.join(":")
  },upperdir=${paths.upper},workdir=${paths.work},index=off`;
  if (data.length > MAX_MOUNT_DATA) {
    throw new Error(`the image has too many layers to mount (${lower.length})`);
  }
  await Deno.mkdir(paths.rootfs, { recursive: true });
  mount("overlay", paths.rootfs, "overlay", 0, data);
}

/** Unmount the rootfs (lazily if something still holds it). */
export async function unmountRootfs(container: Container): Promise<void> {
  const target = container.paths.rootfs;
  if (!(await isMountPoint(target))) return;
  try {
    unmount(target);
  } catch {
    unmount(target, MNT_DETACH);
  }
}

/**
 * Run `work` with the container's rootfs mounted and its lock held, so it is
 * neither started nor removed meanwhile; a rootfs mounted for this is
 * unmounted after.
 */
export function withRootfs<T>(
  context: DaemonContext,
  container: Container,
  work: (rootfs: string) => Promise<T>,
): Promise<T> {
  return container.lock.run(async () => {
    const mounted = container.isRunning || container.state.Status === "paused";
    if (!mounted) await mountRootfs(context, container);
    try {
      return await work(container.paths.rootfs);
    } finally {
      if (!mounted) await unmountRootfs(container);
    }
  });
}
