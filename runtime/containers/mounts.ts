/**
 * A container's mounts: made at create (volumes created, a new volume
 * filled with what the image holds at its path as docker does, missing
 * `-v` host directories made), kept in the container's record, turned into
 * OCI mounts at every start, and the anonymous volumes removed with the
 * container when asked (`rm -v`, `--rm`).
 * @module
 */

import { treeTar } from "../../lib/tree_tar.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, BadRequest } from "../errors.ts";
import { extractLayer } from "../images/layer_extract.ts";
import { errorMessage, log } from "../logger.ts";
import { hostPathExists, lchown, makeHostDirectory } from "../system/libc.ts";
import { secureJoin } from "../system/secure_join.ts";
import { isAnonymous } from "../volumes/volume_store.ts";
import type { Container } from "./container.ts";
import type { MountPoint } from "./mount_points.ts";
import type { MountRequest } from "./mount_requests.ts";
import { mountRootfs, unmountRootfs } from "./rootfs.ts";
import { idTranslation } from "../system/userns.ts";

/** Ids of the containers that mount the volume `name`. */
export function volumeUsers(context: DaemonContext, name: string): string[] {
  return context.containers.list()
    .filter((container) =>
      container.record.mounts?.some((point) => point.Type === "volume" && point.Name === name)
    )
    .map((container) => container.id);
}

/**
 * Make what the requests need and record the mount points on the
 * container (not yet saved), after those it shares with other containers
 * (`inherited`, --volumes-from). A failure removes the volumes this call
 * made.
 */
export async function prepareMounts(
  context: DaemonContext,
  container: Container,
  requests: MountRequest[],
  inherited: MountPoint[] = [],
): Promise<void> {
  const made: string[] = [];
  const fill: MountPoint[] = [];
  const points: MountPoint[] = [];
  try {
    for (const request of requests) {
      if (request.type === "tmpfs") {
        points.push({
          Type: "tmpfs",
          Source: "",
          Destination: request.destination,
          Mode: "",
          RW: !request.options.includes("ro"),
          Propagation: "",
          Options: request.options,
        });
      } else if (request.type === "bind") {
        if (!hostPathExists(request.source)) {
          if (!request.createSource) {
            throw new BadRequest(
              `invalid mount config for type "bind": bind source path does not exist: ${request.source}`,
            );
          }
          makeHostDirectory(request.source);
        }
        points.push({
          Type: "bind",
          Source: request.source,
          Destination: request.destination,
          Mode: request.readOnly ? "ro" : "",
          RW: !request.readOnly,
          Propagation: request.propagation,
          ...(request.recursiveReadOnly ? { RecursiveReadOnly: true } : {}),
        });
      } else {
        const { volume, created } = await context.volumes.create({
          Name: request.name,
          Labels: request.labels,
        });
        if (created) {
          made.push(volume.Name);
          context.events.emit("volume", "create", volume.Name, { driver: "local" });
        }
        const point: MountPoint = {
          Type: "volume",
          Name: volume.Name,
          Source: volume.Mountpoint,
          Destination: request.destination,
          Driver: "local",
          Mode: request.readOnly ? "ro" : "z",
          RW: !request.readOnly,
          Propagation: "",
        };
        points.push(point);
        if (!request.noCopy) fill.push(point);
      }
    }
    if (fill.length > 0) await fillFromImage(context, container, fill);
    await handEmptyVolumesToRoot(container, points);
  } catch (error) {
    for (const name of made) await context.volumes.delete(name).catch(() => {});
    if (error instanceof ApiError) throw error;
    throw new ApiError(500, `cannot prepare the container's mounts: ${errorMessage(error)}`);
  }
  container.record.mounts = [...inherited, ...points];
}

/**
 * A remapped container's volumes that hold nothing yet are its root's to
 * write, as docker's are under --userns-remap (filled ones keep the
 * owners the image gave them).
 */
async function handEmptyVolumesToRoot(container: Container, points: MountPoint[]): Promise<void> {
  if (!container.record.idMapping) return;
  const ids = idTranslation(container.record.idMapping);
  for (const point of points) {
    if (point.Type === "volume" && await isEmptyDirectory(point.Source)) {
      lchown(point.Source, ids.toHost(0, "uid"), ids.toHost(0, "gid"));
    }
  }
}

/** True when the directory holds nothing. */
async function isEmptyDirectory(path: string): Promise<boolean> {
  for await (const _ of Deno.readDir(path)) return false;
  return true;
}

/**
 * Copy the image's files at each volume's destination into the volume
 * when it is empty (docker's default), with the directory's owner and
 * mode; a destination the image lacks is made in the container's layer.
 */
async function fillFromImage(
  context: DaemonContext,
  container: Container,
  points: MountPoint[],
): Promise<void> {
  await mountRootfs(context, container);
  try {
    for (const point of points) {
      const source = await secureJoin(container.paths.rootfs, point.Destination);
      const info = await Deno.stat(source).catch(() => undefined);
      if (!info) {
        await Deno.mkdir(source, { recursive: true, mode: 0o755 });
        continue;
      }
      if (!info.isDirectory || !(await isEmptyDirectory(point.Source))) continue;
      await extractLayer(treeTar(source), point.Source);
      lchown(point.Source, info.uid ?? 0, info.gid ?? 0);
      await Deno.chmod(point.Source, (info.mode ?? 0o755) & 0o7777);
    }
  } finally {
    await unmountRootfs(container);
  }
}

/** Remove the container's anonymous volumes that no other container mounts. */
export async function removeAnonymousVolumes(
  context: DaemonContext,
  container: Container,
): Promise<void> {
  for (const point of container.record.mounts ?? []) {
    if (point.Type !== "volume" || !point.Name) continue;
    const volume = context.volumes.find(point.Name);
    if (!volume || !isAnonymous(volume)) continue;
    if (volumeUsers(context, point.Name).some((id) => id !== container.id)) continue;
    try {
      await context.volumes.delete(point.Name);
      context.events.emit("volume", "destroy", point.Name, { driver: "local" });
    } catch (error) {
      log.warn("cannot remove a volume", { volume: point.Name, error: errorMessage(error) });
    }
  }
}
