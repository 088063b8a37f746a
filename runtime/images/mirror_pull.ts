/**
 * A pull through the daemon's registry mirrors (`--registry-mirror
 * [HOST=]URL`): the mirrors of the image's registry are tried first, in
 * order, then the registry itself; the image keeps its own name.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { errorMessage, log } from "../logger.ts";
import type { Image } from "./image_store.ts";
import { type Platform, pullImage, type PullMessage } from "./pull.ts";
import { parseReference } from "./reference.ts";
import { type RegistryCredentials, registryFor } from "./registry_client.ts";

/** What a pull needs besides the image's name. */
export interface MirroredPullOptions {
  credentials?: RegistryCredentials;
  platform: Platform;
  onProgress: (message: PullMessage) => Promise<void>;
}

/** Pull `text` through its registry's mirrors, then from the registry. */
export async function pullThroughMirrors(
  context: DaemonContext,
  text: string,
  options: MirroredPullOptions,
): Promise<Image> {
  const reference = parseReference(text);
  const mirrors = context.flags.registryMirrors[reference.domain] ?? [];
  // The mirrors (no credentials: they are the registry's), then the registry itself.
  const sources: (string | undefined)[] = [...mirrors, undefined];
  for (const mirror of sources) {
    const credentials = mirror ? undefined : options.credentials;
    const client = await registryFor(
      context,
      reference.domain,
      reference.path,
      credentials,
      mirror,
    );
    try {
      return await pullImage(context.images, context.layers, text, { ...options, client });
    } catch (error) {
      if (!mirror) throw error;
      log.info("pull from a registry mirror failed; trying the next source", {
        image: text,
        mirror,
        error: errorMessage(error),
      });
    } finally {
      client.close();
    }
  }
  throw new Error("unreachable: the registry itself is the last source");
}
