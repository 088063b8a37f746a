/**
 * POST /build as one operation: the context unpacked, the Dockerfile
 * built, the result tagged; the context's scratch copy removed whatever
 * happens. Tags are checked before any work.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { formatFull, parseReference, withDefaultTag } from "../images/reference.ts";
import type { Image } from "../images/image_store.ts";
import { unpackContext } from "./build_context.ts";
import { buildImage, type BuildOptions, type BuildOutput } from "./builder.ts";

/** What a build made: the image and the full references it was tagged with. */
export interface BuildResult {
  image: Image;
  tags: string[];
}

/** Build the context `body` (a tar, or a bare Dockerfile). */
export async function runBuild(
  context: DaemonContext,
  body: ReadableStream<Uint8Array>,
  dockerfilePath: string,
  options: BuildOptions,
  output: BuildOutput,
): Promise<BuildResult> {
  const tags = options.tags.map((tag) => {
    context.images.validateTag(tag);
    return formatFull(withDefaultTag(parseReference(tag)));
  });
  const unpacked = await unpackContext(context, body, dockerfilePath);
  try {
    const image = await buildImage(context, unpacked.dir, unpacked.dockerfile, options, output);
    for (const tag of tags) await context.images.tag(image, tag);
    return { image, tags };
  } finally {
    await unpacked.remove();
  }
}
