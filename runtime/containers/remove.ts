/**
 * DELETE /containers/{id}?force=&v=: remove a stopped container (or kill a
 * running one first with force): its rootfs mount, shim state, files and
 * record, and with `v` its anonymous volumes. A removal cut short by a
 * crash is finished by the next daemon.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { ApiError, Conflict } from "../errors.ts";
import { MNT_DETACH, unmount } from "../system/libc.ts";
import { isMountPoint } from "../system/mountinfo.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { releaseAfterShim, releaseRuntimeResources } from "./monitor.ts";
import { removeAnonymousVolumes } from "./mounts.ts";
import { cancelRestart, forgetRestarts } from "./restart_policy.ts";
import { unmountRootfs } from "./rootfs.ts";
import { killAndWait } from "./stop.ts";

/** What a removal does besides removing the container. */
export interface RemoveOptions {
  /** Kill a running container first. */
  force: boolean;
  /** Remove its anonymous volumes too. */
  volumes: boolean;
}

/** Remove a container. */
export function removeContainer(
  context: DaemonContext,
  container: Container,
  options: RemoveOptions,
): Promise<void> {
  if (container.removing) {
    return Promise.reject(
      new Conflict(`removal of container ${container.id} is already in progress`),
    );
  }
  return container.lock.run(async () => {
    if (container.removing) {
      throw new Conflict(`removal of container ${container.id} is already in progress`);
    }
    if (container.state.Status === "restarting") {
      if (!options.force) {
        throw new Conflict(
          `You cannot remove a restarting container ${container.id}. ` +
            "Stop the container before attempting removal or force remove",
        );
      }
      await cancelRestart(container);
    }
    if (container.isRunning) {
      if (!options.force) {
        const what = container.state.Status === "paused"
          ? `You cannot remove a paused container ${container.id}. ` +
            "Unpause and then stop the container before attempting removal or force remove"
          : `You cannot remove a running container ${container.id}. ` +
            "Stop the container before attempting removal or force remove";
        throw new Conflict(what);
      }
      container.removing = true;
      containerEvent(context, container, "kill", { signal: "9" });
      try {
        await killAndWait(context, container);
      } catch (error) {
        container.removing = false;
        throw error;
      }
    }
    container.removing = true;
    await finishRemoval(context, container, options);
  });
}

/**
 * Tear a stopped container down. Its own files go while its shim finishes
 * (the rootfs is unmounted first: rm -rf must never walk into the image
 * layers); the record goes before the rest, so a crash halfway leaves a
 * directory without a record, which the next daemon removes. The directory
 * goes to the trash (its log's blocks are freed after the removal is
 * done); a shim still deleting the container from the runtime has its state
 * dir removed once it has finished.
 */
export async function finishRemoval(
  context: DaemonContext,
  container: Container,
  options: { volumes: boolean },
): Promise<void> {
  container.record.state = { ...container.state, Status: "removing" };
  const removeFiles = async () => {
    await unmountRootfs(container);
    if (await isMountPoint(container.paths.rootfs)) unmount(container.paths.rootfs, MNT_DETACH);
    if (await isMountPoint(container.paths.rootfs)) {
      throw new ApiError(500, `container ${container.id} is still mounted; not removing its files`);
    }
    await Deno.remove(container.paths.record).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await context.trash.discard(container.paths.dir);
  };
  if (container.shimFinishing) {
    await removeFiles();
    releaseAfterShim(container);
  } else {
    await Promise.all([removeFiles(), releaseRuntimeResources(context, container)]);
  }
  context.containers.delete(container);
  forgetRestarts(container);
  if (options.volumes) await removeAnonymousVolumes(context, container);
  for (const id of context.execs.idsOf(container.id)) context.execs.delete(id);
  containerEvent(context, container, "destroy");
  container.emit("removed");
}
