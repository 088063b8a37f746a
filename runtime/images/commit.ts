/**
 * POST /commit (`docker commit`): a new image from a container: its
 * image's layers plus one made from the container's overlay upper dir
 * (whiteouts as OCI `.wh.` entries, the runtime's empty mount points left
 * out), with the container's run config and Dockerfile-style changes.
 * A running container is paused meanwhile unless asked not to be.
 * @module
 */

import type { Container } from "../containers/container.ts";
import { isRuntimeMountPoint } from "../containers/changes.ts";
import { pauseContainer, unpauseContainer } from "../containers/pause.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage } from "../logger.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { hostArchitecture, type ImageConfig, type ImageRunConfig } from "./image_config.ts";
import type { Image } from "./image_store.ts";
import type { LayerInfo, LayerLease } from "./layer_store.ts";
import { applyChange } from "./import.ts";
import { treeTar } from "../../lib/tree_tar.ts";
import { lgetxattr } from "../system/libc.ts";
import { idTranslation } from "../system/userns.ts";

/** What the commit request asks for. */
export interface CommitOptions {
  reference?: string;
  comment?: string;
  author?: string;
  changes: string[];
  pause: boolean;
}

/** The image-relevant part of a container's config. */
function runConfig(container: Container): ImageRunConfig {
  const config = container.record.config as ImageRunConfig;
  const keep: (keyof ImageRunConfig)[] = [
    "User",
    "ExposedPorts",
    "Env",
    "Entrypoint",
    "Cmd",
    "Volumes",
    "WorkingDir",
    "Labels",
    "StopSignal",
    "Healthcheck",
    "OnBuild",
  ];
  return Object.fromEntries(
    keep.filter((key) => config[key] !== undefined).map((key) => [key, config[key]]),
  ) as ImageRunConfig;
}

/**
 * The container's changes (its overlay upper dir) stored as a layer:
 * whiteouts as OCI `.wh.` entries, the runtime's empty mount points left
 * out, owners as the container sees them.
 */
export function containerLayer(
  context: DaemonContext,
  container: Container,
  lease: LayerLease,
): Promise<LayerInfo> {
  return context.layers.addFromTar(
    treeTar(container.paths.upper, {
      overlayWhiteouts: true,
      isOpaque: (path) => lgetxattr(path, "trusted.overlay.opaque")?.[0] === 0x79,
      skip: (path, info) => isRuntimeMountPoint(path, info),
      ids: idTranslation(container.record.idMapping).toContainer,
    }),
    { lease },
  );
}

/** Commit `container` as a new image. */
export async function commitContainer(
  context: DaemonContext,
  container: Container,
  options: CommitOptions,
): Promise<Image> {
  // Bad changes or a bad name are refused before any work.
  const run = runConfig(container);
  for (const change of options.changes) applyChange(run, change);
  if (options.reference) context.images.validateTag(options.reference);
  return await context.layers.withLease(async (lease) => {
    let paused = options.pause && container.state.Status === "running";
    if (paused) {
      // One that exits meanwhile (its exit not yet recorded) cannot be
      // paused, and needs no pause: its files are still.
      paused = await pauseContainer(context, container).then(() => true, (error) => {
        if (container.state.Status === "running" && !/not running/.test(errorMessage(error))) {
          throw error;
        }
        return false;
      });
    }
    let layer;
    try {
      layer = await containerLayer(context, container, lease);
    } finally {
      if (paused) await unpauseContainer(context, container);
    }
    const parent = context.images.byId(container.record.imageId);
    const created = formatRfc3339Nano(preciseNow());
    const config: ImageConfig = {
      ...(parent?.config ?? {}),
      architecture: parent?.config.architecture ?? hostArchitecture(),
      os: "linux",
      created,
      config: run,
      rootfs: { type: "layers", diff_ids: [...container.record.layers, layer.diffId] },
      history: [
        ...(parent?.config.history ?? []),
        { created, created_by: "berth commit", comment: options.comment ?? "" },
      ],
    };
    if (options.author) config.author = options.author;
    if (options.comment) config.comment = options.comment;
    const layerSizes = await Promise.all(
      config.rootfs.diff_ids.map(async (diffId) => (await context.layers.info(diffId))?.size ?? 0),
    );
    const image = await context.images.add(
      config,
      layerSizes.reduce((sum, size) => sum + size, 0),
      parent?.id,
    );
    if (options.reference) await context.images.tag(image, options.reference);
    return image;
  });
}
