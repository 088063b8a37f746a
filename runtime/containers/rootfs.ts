/**
 * A container's root filesystem: an overlayfs of the image's layers (lower,
 * top first) with the container's own upper and work dirs, mounted while
 * it runs.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import {
  idmappedBind,
  MNT_DETACH,
  mount,
  MS_BIND,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  unmount,
} from "../system/libc.ts";
import { userNamespaceFor } from "../system/userns.ts";
import { SyscallError } from "../../lib/libc.ts";
import { isMountPoint } from "../system/mountinfo.ts";
import { secureJoin } from "../system/secure_join.ts";
import type { Container } from "./container.ts";
import { byDepth, type MountPoint } from "./mount_points.ts";

/** The longest mount data the kernel takes (one page). */
const MAX_MOUNT_DATA = 4095;

const EINVAL = 22;

/**
 * Mount an overlay; `volatile` (Linux 5.10+, else left out) when the
 * rootfs is thrown away after one run, as podman does for --rm: no syncs
 * of the upper filesystem, so neither the container's fsyncs nor the
 * unmount wait for the disk (that unmount would flush every dirty page of
 * the filesystem, the container's big log too: half a second after 1 GB).
 */
function mountOverlay(target: string, data: string, disposable: boolean): void {
  if (disposable) {
    try {
      return mount("overlay", target, "overlay", 0, `${data},volatile`);
    } catch (error) {
      if (!(error instanceof SyscallError && error.code === EINVAL)) throw error;
    }
  }
  mount("overlay", target, "overlay", 0, data);
}

/** Where a remapped container's layers are mounted, idmapped (`fs/l/0` is the top one). */
function idmappedLayersDir(container: Container): string {
  return `${container.paths.dir}/fs/l`;
}

/**
 * The layers of a remapped container seen through its id mapping (each an
 * idmapped mount of the shared layer: nothing on disk changes), its upper
 * dir owned by its root, and its dirs open to that uid's lookups.
 */
async function idmappedLayers(container: Container, layers: string[]): Promise<string[]> {
  const mapping = container.record.idMapping!;
  const namespace = await userNamespaceFor(mapping);
  const dir = idmappedLayersDir(container);
  for (const path of [container.paths.dir, `${container.paths.dir}/fs`]) {
    await Deno.chmod(path, 0o711);
  }
  await Deno.chown(container.paths.upper, mapping.uid.hostId, mapping.gid.hostId);
  const mounted: string[] = [];
  for (const [index, layer] of layers.entries()) {
    const target = `${dir}/${index}`;
    await Deno.mkdir(target, { recursive: true });
    if (!(await isMountPoint(target))) idmappedBind(layer, target, namespace);
    mounted.push(target);
  }
  return mounted;
}

/** Mount the container's rootfs (no-op when already mounted). */
export async function mountRootfs(context: DaemonContext, container: Container): Promise<void> {
  const { paths, record } = container;
  if (await isMountPoint(paths.rootfs)) return;
  const layers = [...record.layers].reverse().map((diffId) => context.layers.diffPath(diffId));
  const lower = record.idMapping ? await idmappedLayers(container, layers) : layers;
  if (lower.length === 0) {
    // An image of no layers (a build's FROM scratch): overlay needs a lower dir.
    const empty = `${paths.dir}/fs/empty`;
    await Deno.mkdir(empty, { recursive: true });
    lower.push(empty);
  }
  const data = `lowerdir=${
    lower.join(":")
  },upperdir=${paths.upper},workdir=${paths.work},index=off`;
  if (data.length > MAX_MOUNT_DATA) {
    throw new Error(`the image has too many layers to mount (${lower.length})`);
  }
  await Deno.mkdir(paths.rootfs, { recursive: true });
  const disposable = record.hostConfig.AutoRemove;
  // A volatile overlay leaves a marker that refuses the next mount (its
  // upper dir may have missed syncs): mounted again for the same run (a
  // volume filled at create), the marker goes.
  if (disposable) {
    await Deno.remove(`${paths.work}/work/incompat`, { recursive: true }).catch(() => {});
  }
  mountOverlay(paths.rootfs, data, disposable);
  // Private: what `cp` mounts on it for a moment never reaches the container.
  mount("none", paths.rootfs, "", MS_PRIVATE, "");
}

/** Unmount the rootfs (lazily if something still holds it), and a remapped one's layers. */
export async function unmountRootfs(container: Container): Promise<void> {
  const target = container.paths.rootfs;
  if (await isMountPoint(target)) {
    try {
      unmount(target);
    } catch {
      unmount(target, MNT_DETACH);
    }
  }
  if (!container.record.idMapping) return;
  const layers = idmappedLayersDir(container);
  const names = await Array.fromAsync(Deno.readDir(layers)).catch(() => []);
  for (const { name } of names) {
    if (await isMountPoint(`${layers}/${name}`)) unmount(`${layers}/${name}`, MNT_DETACH);
  }
}

/**
 * Bind the container's volumes and host binds onto its rootfs at their
 * destinations, as the container sees them (tmpfs mounts stay out of
 * reach, as in docker). Returns the targets, parents first.
 */
async function mountVolumesOn(rootfs: string, points: MountPoint[]): Promise<string[]> {
  const mounted: string[] = [];
  try {
    for (const point of byDepth(points, (point) => point.Destination)) {
      if (point.Type === "tmpfs") continue;
      const target = await secureJoin(rootfs, point.Destination);
      const missing = !(await Deno.lstat(target).then(() => true, () => false));
      if (missing) await Deno.mkdir(target, { recursive: true, mode: 0o755 });
      try {
        mount(point.Source, target, "", MS_BIND | MS_REC, "");
      } catch (error) {
        // A file bind on a container that never ran: its mount point is a file.
        if (!missing || !(error instanceof SyscallError) || error.code !== 20 /* ENOTDIR */) {
          throw error;
        }
        await Deno.remove(target);
        await Deno.writeFile(target, new Uint8Array());
        mount(point.Source, target, "", MS_BIND | MS_REC, "");
      }
      mounted.push(target);
      if (!point.RW) mount("none", target, "", MS_REMOUNT | MS_BIND | MS_RDONLY, "");
    }
  } catch (error) {
    unmountAll(mounted);
    throw error;
  }
  return mounted;
}

function unmountAll(targets: string[]): void {
  for (const target of [...targets].reverse()) unmount(target, MNT_DETACH);
}

/**
 * Run `work` with the container's rootfs mounted and its lock held, so it is
 * neither started nor removed meanwhile; a rootfs mounted for this is
 * unmounted after. With `volumes`, the container's volumes and binds are
 * mounted on it for the work (`cp` reads and writes through them).
 */
export function withRootfs<T>(
  context: DaemonContext,
  container: Container,
  work: (rootfs: string) => Promise<T>,
  options: { volumes?: boolean } = {},
): Promise<T> {
  return container.lock.run(async () => {
    const mounted = container.isRunning || container.state.Status === "paused";
    if (!mounted) await mountRootfs(context, container);
    let volumes: string[] = [];
    try {
      if (options.volumes) {
        volumes = await mountVolumesOn(container.paths.rootfs, container.record.mounts ?? []);
      }
      return await work(container.paths.rootfs);
    } finally {
      unmountAll(volumes);
      if (!mounted) await unmountRootfs(container);
    }
  });
}
