/**
 * The classic builder's cache: a step is done already when an image has
 * the step's parent, ends its history with the same `created_by` (the
 * instruction, its build args, a COPY's content checksum) and carries the
 * same config. Images given as `cache-from` are matched by their history
 * instead (they may come from a registry, without parent links): the
 * step's image is made from their config's entry and layer.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { ImageConfig, ImageHistory, ImageRunConfig } from "../images/image_config.ts";
import type { Image } from "../images/image_store.ts";

/** What a step would make. */
export interface StepKey {
  parent?: Image;
  createdBy: string;
  run: ImageRunConfig;
  author?: string;
  cacheFrom: Image[];
}

/** JSON with object keys sorted, to compare configs whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${
      entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")
    }}`;
  }
  return JSON.stringify(value ?? null);
}

function sameEntries(a: ImageHistory[], b: ImageHistory[]): boolean {
  return a.length === b.length &&
    a.every((entry, index) =>
      entry.created_by === b[index].created_by &&
      Boolean(entry.empty_layer) === Boolean(b[index].empty_layer)
    );
}

function startsWith(items: string[], prefix: string[]): boolean {
  return prefix.every((item, index) => items[index] === item);
}

/** The image that already did this step, if any (one made from a cache-from source is stored). */
export async function findCachedStep(
  context: DaemonContext,
  key: StepKey,
): Promise<Image | undefined> {
  const parentHistory = key.parent?.config.history ?? [];
  const parentLayers = key.parent?.config.rootfs.diff_ids ?? [];
  const expected = canonicalJson(key.run);
  for (const image of context.images.list()) {
    if (image.parent !== key.parent?.id) continue;
    const history = image.config.history ?? [];
    if (history.length !== parentHistory.length + 1) continue;
    if (history[history.length - 1].created_by !== key.createdBy) continue;
    if ((image.config.author ?? undefined) !== key.author) continue;
    if (!startsWith(image.config.rootfs.diff_ids, parentLayers)) continue;
    if (canonicalJson(image.config.config ?? {}) !== expected) continue;
    return image;
  }
  for (const source of cacheSources(context, key.cacheFrom)) {
    const history = source.config.history ?? [];
    const entry = history[parentHistory.length];
    if (!entry || entry.created_by !== key.createdBy) continue;
    if (!sameEntries(history.slice(0, parentHistory.length), parentHistory)) continue;
    const layers = source.config.rootfs.diff_ids;
    if (!startsWith(layers, parentLayers)) continue;
    const layer = entry.empty_layer ? [] : [layers[parentLayers.length]];
    if (layer.some((diffId) => diffId === undefined)) continue;
    const config: ImageConfig = {
      architecture: source.config.architecture,
      os: source.config.os,
      created: entry.created,
      ...(key.author ? { author: key.author } : {}),
      config: structuredClone(key.run),
      rootfs: { type: "layers", diff_ids: [...parentLayers, ...layer] },
      history: [...parentHistory, entry],
    };
    const size = (key.parent?.size ?? 0) +
      (layer.length ? (await context.layers.info(layer[0]))?.size ?? 0 : 0);
    return await context.images.add(config, size, key.parent?.id);
  }
  return undefined;
}

/** The cache-from images and the images they were built from. */
function* cacheSources(context: DaemonContext, images: Image[]): Generator<Image> {
  const seen = new Set<string>();
  for (let image of images) {
    while (!seen.has(image.id)) {
      seen.add(image.id);
      yield image;
      const parent = image.parent ? context.images.byId(image.parent) : undefined;
      if (!parent) break;
      image = parent;
    }
  }
}
