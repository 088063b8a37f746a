/**
 * The images of the store as the CRI names and shows them. The store is
 * the daemon's one image store, which the Docker API shares: an image
 * pulled by either is there for both.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { Image } from "../images/image_store.ts";
import { invalidArgument } from "./grpc_status.ts";
import type { CriMessage } from "./cri_call.ts";

/** The image a CRI ImageSpec names (by id, name or digest), if any. */
export function findImage(context: DaemonContext, spec: CriMessage | undefined): Image | undefined {
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
export function criImage(image: Image): CriMessage {
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
