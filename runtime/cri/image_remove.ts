/**
 * RemoveImage: the image goes, whatever names it; one that is not there
 * is no error (kubelet retries).
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { removeImage } from "../images/remove.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { findImage } from "./image_lookup.ts";

async function removeCriImage(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const image = findImage(context, request.image);
  if (!image) return {};
  // The CRI removes the image, whatever names it.
  await removeImage(context, image.id, { force: true });
  return {};
}

/** RemoveImage. */
export const imageRemoveHandlers: CriHandlers = {
  RemoveImage: removeCriImage,
};
