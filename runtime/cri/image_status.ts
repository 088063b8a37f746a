/**
 * ListImages and ImageStatus.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { criImage, findImage } from "./image_lookup.ts";

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

/** ListImages, ImageStatus. */
export const imageStatusHandlers: CriHandlers = {
  ListImages: listImages,
  ImageStatus: imageStatus,
};
