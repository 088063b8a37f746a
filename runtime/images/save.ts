/**
 * `docker save`: images as a docker-archive tar that `docker load` (and
 * `berth load`, skopeo, podman) read: `<diff-id>/layer.tar` per layer (the
 * exact tar that was loaded or pulled, rebuilt from its files), the config
 * as `<image-id>.json`, and manifest.json with the tags. Streamed: nothing
 * is staged on disk.
 * @module
 */

import { generatorStream } from "../../lib/bytes.ts";
import { NotFound } from "../errors.ts";
import type { Image, ImageStore } from "./image_store.ts";
import type { LayerStore } from "./layer_store.ts";
import { familiarize } from "./reference.ts";
import { BLOCK, header, padding } from "../../lib/tar_writer.ts";

const encoder = new TextEncoder();

/** A header for a regular file or directory of the archive. */
function tarHeader(name: string, size: number, type: "file" | "directory" = "file"): Uint8Array {
  return header(name, {
    type: type === "directory" ? "5" : "0",
    size,
    mode: type === "directory" ? 0o755 : 0o644,
    mtime: Math.floor(Date.now() / 1000),
  });
}

/** The images `names` name, with the tags to record for each. */
function resolveAll(images: ImageStore, names: string[]): { image: Image; tags: string[] }[] {
  const chosen = new Map<string, { image: Image; tags: string[] }>();
  for (const name of names) {
    const image = images.find(name);
    if (!image) throw new NotFound(`No such image: ${name}`);
    const entry = chosen.get(image.id) ?? { image, tags: [] };
    const tag = images.tagNamed(name);
    if (tag && !entry.tags.includes(familiarize(tag))) entry.tags.push(familiarize(tag));
    chosen.set(image.id, entry);
  }
  return [...chosen.values()];
}

/** The docker-archive of `names` as a stream; unknown names throw before any byte. */
export function saveImages(
  images: ImageStore,
  layers: LayerStore,
  names: string[],
): ReadableStream<Uint8Array> {
  const chosen = resolveAll(images, names);
  async function* pieces(): AsyncGenerator<Uint8Array> {
    const written = new Set<string>();
    const manifest = [];
    for (const { image, tags } of chosen) {
      const layerPaths: string[] = [];
      for (const diffId of image.config.rootfs.diff_ids) {
        const hex = diffId.replace(/^sha256:/, "");
        layerPaths.push(`${hex}/layer.tar`);
        if (written.has(hex)) continue;
        written.add(hex);
        const tar = await layers.tar(diffId);
        yield tarHeader(`${hex}/`, 0, "directory");
        yield tarHeader(`${hex}/layer.tar`, tar.size);
        yield* tar.stream;
        yield padding(tar.size);
      }
      const config = await images.configBytes(image);
      const configName = `${image.id.replace(/^sha256:/, "")}.json`;
      yield tarHeader(configName, config.length);
      yield config;
      yield padding(config.length);
      manifest.push({
        Config: configName,
        RepoTags: tags.length ? tags : null,
        Layers: layerPaths,
      });
    }
    const manifestBytes = encoder.encode(JSON.stringify(manifest));
    yield tarHeader("manifest.json", manifestBytes.length);
    yield manifestBytes;
    yield padding(manifestBytes.length);
    yield new Uint8Array(BLOCK * 2);
  }
  return generatorStream(pieces());
}
