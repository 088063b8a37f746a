/**
 * The CRI's ImageService: ListImages, ImageStatus, PullImage (through the
 * registry mirrors, with the call's credentials), RemoveImage and
 * ImageFsInfo, over the daemon's one image store, which the Docker API
 * shares: an image pulled by either is there for both.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Image } from "../images/image_store.ts";
import { pullThroughMirrors } from "../images/mirror_pull.ts";
import { parsePlatform } from "../images/pull.ts";
import { removeImage } from "../images/remove.ts";
import { ApiError } from "../errors.ts";
import { errorMessage } from "../logger.ts";
import { GrpcCode, GrpcError, invalidArgument } from "./grpc_status.ts";
import type { CriCall, CriHandlers, CriMessage } from "./cri_call.ts";
import { nowNanos } from "./cri_values.ts";

/** The image a CRI ImageSpec names (by id, name or digest), if any. */
function findImage(context: DaemonContext, spec: CriMessage | undefined): Image | undefined {
  const reference = spec?.image;
  if (!reference || typeof reference !== "string") {
    throw invalidArgument("ImageSpec.image is required");
  }
  try {
    return context.images.find(reference);
  } catch {
    return undefined; // not a reference at all: no such image
  }
}

/** The CRI's Image of an image of the store (repo tags and digests in full, as containerd). */
function criImage(image: Image): CriMessage {
  const user = image.config.config?.User ?? "";
  const name = user.split(":")[0];
  const numeric = /^\d+$/.test(name);
  return {
    id: image.id,
    repo_tags: image.tags,
    repo_digests: image.repoDigests,
    size: String(image.size),
    uid: numeric ? { value: name } : null,
    username: numeric ? "" : name,
    spec: { image: image.id, annotations: {} },
    pinned: false,
  };
}

function listImages(context: DaemonContext, request: CriMessage): CriMessage {
  const spec = request.filter?.image;
  if (spec?.image) {
    const image = findImage(context, spec);
    return { images: image ? [criImage(image)] : [] };
  }
  return {
    images: context.images.list().filter((image) => image.tags.length || image.repoDigests.length)
      .map(criImage),
  };
}

function imageStatus(context: DaemonContext, request: CriMessage): CriMessage {
  const image = findImage(context, request.image);
  if (!image) return { image: null, info: {} };
  return {
    image: criImage(image),
    info: request.verbose
      ? { info: JSON.stringify({ config: image.config, stored: image.stored }) }
      : {},
  };
}

/** The credentials of an AuthConfig (username and password, or `auth`: base64 of both). */
function credentialsOf(auth: CriMessage | null | undefined) {
  if (!auth) return undefined;
  if (auth.username) return { username: auth.username, password: auth.password ?? "" };
  if (auth.auth) {
    const text = atob(auth.auth);
    const colon = text.indexOf(":");
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return undefined;
}

async function pullImage(
  context: DaemonContext,
  request: CriMessage,
  call: CriCall,
): Promise<CriMessage> {
  const reference = request.image?.image;
  if (!reference) throw invalidArgument("ImageSpec.image is required");
  const pull = pullThroughMirrors(context, reference, {
    credentials: credentialsOf(request.auth),
    platform: parsePlatform(undefined),
    onProgress: async () => {},
  });
  // The client's deadline ends the call (what is fetched meanwhile stays in the layer store).
  const aborted = new Promise<never>((_, reject) =>
    call.signal.addEventListener(
      "abort",
      () => reject(new GrpcError(GrpcCode.DEADLINE_EXCEEDED, `pulling ${reference} was cancelled`)),
    )
  );
  pull.catch(() => {});
  try {
    const image = await Promise.race([pull, aborted]);
    context.events.emit("image", "pull", reference, { name: reference });
    return { image_ref: image.id };
  } catch (error) {
    if (error instanceof GrpcError) throw error;
    const status = error instanceof ApiError && error.status === 404
      ? GrpcCode.NOT_FOUND
      : GrpcCode.UNKNOWN;
    throw new GrpcError(status, `failed to pull image "${reference}": ${errorMessage(error)}`);
  }
}

async function removeCriImage(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const image = findImage(context, request.image);
  if (!image) return {};
  // The CRI removes the image, whatever names it.
  await removeImage(context, image.id, { force: true });
  return {};
}

async function imageFsInfo(context: DaemonContext): Promise<CriMessage> {
  const layers = new Map<string, number>();
  for (const image of context.images.list()) {
    for (const diffId of image.config.rootfs.diff_ids) {
      if (!layers.has(diffId)) layers.set(diffId, (await context.layers.info(diffId))?.size ?? 0);
    }
  }
  const used = [...layers.values()].reduce((sum, size) => sum + size, 0);
  const timestamp = nowNanos();
  return {
    image_filesystems: [{
      timestamp,
      fs_id: { mountpoint: `${context.flags.root}/layers` },
      used_bytes: { value: String(used) },
      inodes_used: { value: "0" },
    }],
    container_filesystems: [{
      timestamp,
      fs_id: { mountpoint: `${context.flags.root}/containers` },
      used_bytes: { value: "0" },
      inodes_used: { value: "0" },
    }],
  };
}

/** The ImageService. */
export const imageHandlers: CriHandlers = {
  ListImages: listImages,
  ImageStatus: imageStatus,
  PullImage: pullImage,
  RemoveImage: removeCriImage,
  ImageFsInfo: imageFsInfo,
};
