/**
 * `docker load`: images from an archive, in either format `docker save`
 * and skopeo write: docker-archive (manifest.json, with RepoTags) or an
 * OCI image layout (oci-layout, index.json, blobs/). The archive is spooled
 * into a scratch directory with the same safe extractor as layers, every
 * blob is checked against its digest, each layer is extracted once (a
 * layer already stored is not extracted again) and checked against the
 * config's diff IDs; only then is the image stored and tagged.
 * @module
 */

import { createHash } from "node:crypto";
import { BadRequest } from "../errors.ts";
import { hostArchitecture, type ImageConfig } from "./image_config.ts";
import type { Image, ImageStore } from "./image_store.ts";
import { extractLayer, LayerError } from "./layer_extract.ts";
import type { LayerLease, LayerStore } from "./layer_store.ts";
import { decompressed } from "./tar_sniff.ts";
import { NotATar, TarError } from "../../lib/tar_reader.ts";

/** One image found in an archive. */
interface ArchiveImage {
  /** Path of the config blob inside the archive. */
  config: string;
  /** Its digest, when the archive names one (OCI descriptors). */
  configDigest?: string;
  layers: { path: string; digest?: string }[];
  tags: string[];
}

/** What a load did, for the client's messages. */
export interface LoadedImage {
  image: Image;
  tags: string[];
}

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];

/** Load every image of the archive `body`. */
export async function loadImages(
  images: ImageStore,
  layers: LayerStore,
  body: ReadableStream<Uint8Array>,
): Promise<LoadedImage[]> {
  return await layers.withLease((lease) => loadArchive(images, layers, body, lease));
}

async function loadArchive(
  images: ImageStore,
  layers: LayerStore,
  body: ReadableStream<Uint8Array>,
  lease: LayerLease,
): Promise<LoadedImage[]> {
  const spool = await layers.scratchDir();
  try {
    try {
      await extractLayer(await decompressed(body), spool);
    } catch (error) {
      if (error instanceof NotATar) {
        throw new BadRequest("the archive is not a tar file (docker save or OCI layout)");
      }
      if (error instanceof TarError || error instanceof LayerError) {
        throw new BadRequest(`invalid archive: ${error.message}`);
      }
      throw error;
    }
    const archive = new Archive(await Deno.realPath(spool));
    const found = await archive.exists("manifest.json")
      ? await dockerArchiveImages(archive)
      : await archive.exists("index.json")
      ? await ociLayoutImages(archive)
      : undefined;
    if (!found) {
      throw new BadRequest(
        "the archive has neither manifest.json (docker save) nor index.json (OCI layout)",
      );
    }
    if (found.length === 0) throw new BadRequest("the archive holds no image");
    const loaded: LoadedImage[] = [];
    for (const entry of found) loaded.push(await loadOne(images, layers, lease, archive, entry));
    return loaded;
  } finally {
    await Deno.remove(spool, { recursive: true }).catch(() => {});
  }
}

/** Files of the spooled archive, resolved without leaving it. */
class Archive {
  constructor(readonly dir: string) {}

  /** The real path of `name`, which must stay inside the archive. */
  async resolve(name: string): Promise<string> {
    if (name.startsWith("/") || name.split("/").includes("..")) {
      throw new BadRequest(`the archive refers to "${name}", outside itself`);
    }
    let real: string;
    try {
      real = await Deno.realPath(`${this.dir}/${name}`);
    } catch {
      throw new BadRequest(`the archive lacks "${name}"`);
    }
    if (!real.startsWith(`${this.dir}/`)) {
      throw new BadRequest(`"${name}" in the archive leads outside it`);
    }
    return real;
  }

  async exists(name: string): Promise<boolean> {
    return await Deno.lstat(`${this.dir}/${name}`).then(() => true, () => false);
  }

  async bytes(name: string, digest?: string): Promise<Uint8Array> {
    const data = await Deno.readFile(await this.resolve(name));
    if (digest) checkDigest(name, digest, createHash("sha256").update(data).digest("hex"));
    return data;
  }

  async json<T>(name: string, digest?: string): Promise<T> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.bytes(name, digest)));
    } catch (error) {
      if (error instanceof BadRequest) throw error;
      throw new BadRequest(`"${name}" in the archive is not valid JSON`);
    }
  }

  /** Hash a blob by streaming it; throws unless it matches `digest`. */
  async verify(name: string, digest: string): Promise<void> {
    const hash = createHash("sha256");
    for await (const chunk of (await Deno.open(await this.resolve(name))).readable) {
      hash.update(chunk);
    }
    checkDigest(name, digest, hash.digest("hex"));
  }
}

function checkDigest(name: string, digest: string, actual: string): void {
  const match = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!match) throw new BadRequest(`unsupported digest "${digest}" for "${name}"`);
  if (match[1] !== actual) {
    throw new BadRequest(`"${name}" does not match its digest ${digest} (it is sha256:${actual})`);
  }
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** docker-archive: manifest.json lists config and layer paths and tags. */
async function dockerArchiveImages(archive: Archive): Promise<ArchiveImage[]> {
  const manifest = await archive.json<DockerManifestEntry[]>("manifest.json");
  if (!Array.isArray(manifest)) throw new BadRequest("manifest.json is not a list");
  return manifest.map((entry) => {
    if (typeof entry?.Config !== "string" || !Array.isArray(entry.Layers)) {
      throw new BadRequest("manifest.json: an entry lacks Config or Layers");
    }
    // Paths like blobs/sha256/<hex> carry their digest.
    const digestOf = (path: string) => {
      const match = /(?:^|\/)sha256\/([a-f0-9]{64})$/.exec(path) ??
        /^([a-f0-9]{64})\.json$/.exec(path);
      return match ? `sha256:${match[1]}` : undefined;
    };
    return {
      config: entry.Config,
      configDigest: digestOf(entry.Config),
      layers: entry.Layers.map((path) => ({ path, digest: digestOf(path) })),
      tags: entry.RepoTags ?? [],
    };
  });
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

function blobPath(digest: string): string {
  const match = /^(sha256):([a-f0-9]{64})$/.exec(digest ?? "");
  if (!match) throw new BadRequest(`unsupported digest "${digest}" in the OCI layout`);
  return `blobs/${match[1]}/${match[2]}`;
}

/** The name a descriptor's annotations give the image, if any. */
function annotatedName(descriptor: Descriptor): string | undefined {
  const annotations = descriptor.annotations ?? {};
  const full = annotations["io.containerd.image.name"];
  if (full) return full;
  const reference = annotations["org.opencontainers.image.ref.name"];
  // A bare tag ("latest") names no repository: nothing to tag with.
  return reference && /[/:]/.test(reference) ? reference : undefined;
}

/** OCI image layout: index.json → (indexes →) manifests → config and layers. */
async function ociLayoutImages(archive: Archive): Promise<ArchiveImage[]> {
  const index = await archive.json<{ manifests?: Descriptor[] }>("index.json");
  const images: ArchiveImage[] = [];
  for (const top of index.manifests ?? []) {
    const name = annotatedName(top);
    let descriptor = top;
    if (INDEX_TYPES.includes(top.mediaType ?? "")) {
      const nested = await archive.json<{ manifests?: Descriptor[] }>(
        blobPath(top.digest),
        top.digest,
      );
      const chosen = (nested.manifests ?? []).find((item) =>
        (item.platform?.os ?? "linux") === "linux" &&
        (item.platform?.architecture ?? hostArchitecture()) === hostArchitecture()
      );
      if (!chosen) {
        throw new BadRequest(
          `the image index ${top.digest} has no linux/${hostArchitecture()} image`,
        );
      }
      descriptor = chosen;
    }
    const manifest = await archive.json<{ config?: Descriptor; layers?: Descriptor[] }>(
      blobPath(descriptor.digest),
      descriptor.digest,
    );
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      throw new BadRequest(`the manifest ${descriptor.digest} lacks a config or layers`);
    }
    images.push({
      config: blobPath(manifest.config.digest),
      configDigest: manifest.config.digest,
      layers: manifest.layers.map((layer) => ({
        path: blobPath(layer.digest),
        digest: layer.digest,
      })),
      tags: name ? [name] : [],
    });
  }
  return images;
}

async function loadOne(
  images: ImageStore,
  layers: LayerStore,
  lease: LayerLease,
  archive: Archive,
  entry: ArchiveImage,
): Promise<LoadedImage> {
  const configBytes = await archive.bytes(entry.config, entry.configDigest);
  let config: ImageConfig;
  try {
    config = JSON.parse(new TextDecoder().decode(configBytes));
  } catch {
    throw new BadRequest(`the image config "${entry.config}" is not valid JSON`);
  }
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== entry.layers.length) {
    throw new BadRequest(
      `the image config lists ${diffIds?.length ?? 0} layers, the manifest ${entry.layers.length}`,
    );
  }
  let size = 0;
  for (const [index, layer] of entry.layers.entries()) {
    lease.hold(diffIds[index]);
    const stored = await layers.info(diffIds[index]);
    if (stored) {
      size += stored.size;
      continue;
    }
    if (layer.digest) await archive.verify(layer.path, layer.digest);
    const file = await Deno.open(await archive.resolve(layer.path));
    const added = await layers.addFromTar(file.readable, { diffId: diffIds[index], lease });
    size += added.size;
  }
  for (const tag of entry.tags) images.validateTag(tag);
  const image = await images.addBytes(configBytes, config, size);
  for (const tag of entry.tags) await images.tag(image, tag);
  return { image, tags: entry.tags };
}
