/**
 * `docker pull`: an image from a registry into the layer and image stores.
 * The manifest (through an index, for the host's platform or the one
 * asked for), the config and every layer are checked against their
 * digests; each layer is downloaded into scratch space first, so an
 * interrupted pull leaves no partial layer; layers already stored are not
 * fetched; concurrent pulls of the same layer share one download.
 * Progress goes out as docker's JSON messages.
 * @module
 */

import { createHash } from "node:crypto";
import { ApiError, BadRequest } from "../errors.ts";
import { hostArchitecture, type ImageConfig } from "./image_config.ts";
import type { Image, ImageStore } from "./image_store.ts";
import type { LayerInfo, LayerLease, LayerStore } from "./layer_store.ts";
import {
  familiarize,
  formatFull,
  fullRepository,
  parseReference,
  withDefaultTag,
} from "./reference.ts";
import { sha256Digest } from "./digest.ts";
import { type RegistryClient } from "./registry_client.ts";
import { writeAll } from "../../protocol/write_all.ts";

/** One of docker's progress messages. */
export interface PullMessage {
  id?: string;
  status: string;
  progressDetail?: { current?: number; total?: number };
}

/** The platform to pull from an index. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: Partial<Platform>;
}

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
/** Layers downloaded at once by one pull. */
const CONCURRENT_LAYERS = 3;

/** Layer downloads in progress, by blob digest: a second pull waits for the first. */
const inFlight = new Map<string, Promise<LayerInfo>>();

/** True when `candidate` is the `wanted` platform (its variant only when one is wanted). */
export function matchesPlatform(
  candidate: Partial<Platform> | undefined,
  wanted: Platform,
): boolean {
  return candidate?.os === wanted.os && candidate?.architecture === wanted.architecture &&
    (!wanted.variant || candidate?.variant === wanted.variant);
}

/** `--platform os/arch[/variant]`; the host's by default. */
export function parsePlatform(text: string | undefined): Platform {
  if (!text) return { os: "linux", architecture: hostArchitecture() };
  const [os, architecture, variant] = text.split("/");
  if (!os || !architecture) {
    throw new BadRequest(`invalid platform "${text}": use os/arch[/variant]`);
  }
  return { os, architecture, variant };
}

function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

function parseJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(500, `the registry sent a ${what} that is not valid JSON`);
  }
}

/** What a pull needs besides the stores. */
export interface PullOptions {
  client: RegistryClient;
  platform: Platform;
  onProgress: (message: PullMessage) => Promise<void>;
}

/** Pull `text` (NAME[:TAG|@DIGEST]); returns the stored image. */
export function pullImage(
  images: ImageStore,
  layers: LayerStore,
  text: string,
  options: PullOptions,
): Promise<Image> {
  return layers.withLease((lease) => pullWithLease(images, layers, lease, text, options));
}

async function pullWithLease(
  images: ImageStore,
  layers: LayerStore,
  lease: LayerLease,
  text: string,
  options: PullOptions,
): Promise<Image> {
  const parsed = parseReference(text);
  const reference = parsed.digest ? parsed : withDefaultTag(parsed);
  const { client, onProgress, platform } = options;
  const top = await client.manifest(reference.digest ?? reference.tag!);
  await onProgress({
    id: reference.digest ?? reference.tag,
    status: `Pulling from ${reference.path}`,
  });
  let manifest = top;
  if (INDEX_TYPES.includes(top.mediaType)) {
    const index = parseJson<{ manifests?: Descriptor[] }>(top.bytes, "manifest index");
    const chosen = (index.manifests ?? []).find((item) => matchesPlatform(item.platform, platform));
    if (!chosen) {
      throw new ApiError(
        404,
        `no matching manifest for ${platform.os}/${platform.architecture}` +
          `${platform.variant ? `/${platform.variant}` : ""} in the manifest list entries`,
      );
    }
    manifest = await client.manifest(chosen.digest);
  }
  const body = parseJson<{ config?: Descriptor; layers?: Descriptor[]; schemaVersion?: number }>(
    manifest.bytes,
    "manifest",
  );
  if (!body.config || !Array.isArray(body.layers)) {
    throw new ApiError(500, `unsupported manifest type ${manifest.mediaType || "(none)"}`);
  }
  const configBlob = await client.blob(body.config.digest);
  const configBytes = new Uint8Array(await new Response(configBlob.body).arrayBuffer());
  if (sha256Digest(configBytes) !== body.config.digest) {
    throw new ApiError(500, `the image config does not match its digest ${body.config.digest}`);
  }
  const config = parseJson<ImageConfig>(configBytes, "image config");
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== body.layers.length) {
    throw new ApiError(
      500,
      `the image config lists ${diffIds.length} layers, the manifest ${body.layers.length}`,
    );
  }
  const upToDate = images.byId(sha256Digest(configBytes)) !== undefined &&
    (await Promise.all(diffIds.map((id) => layers.info(id)))).every(Boolean);

  const sizes: number[] = [];
  const queue = body.layers.map((layer, index) => ({ layer, index }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      sizes[next.index] = await fetchLayer(
        layers,
        lease,
        client,
        next.layer,
        diffIds[next.index],
        onProgress,
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_LAYERS }, worker));
  const image = await images.addBytes(
    configBytes,
    config,
    sizes.reduce((sum, size) => sum + size, 0),
  );
  const shown = familiarize(formatFull(reference));
  if (!reference.digest) await images.tag(image, formatFull(reference));
  await images.addRepoDigest(image, `${fullRepository(reference)}@${top.digest}`);
  await onProgress({ status: `Digest: ${top.digest}` });
  await onProgress({
    status: upToDate
      ? `Status: Image is up to date for ${shown}`
      : `Status: Downloaded newer image for ${shown}`,
  });
  return image;
}

/** Store one layer unless it is there; returns its uncompressed size. */
async function fetchLayer(
  layers: LayerStore,
  lease: LayerLease,
  client: RegistryClient,
  layer: Descriptor,
  diffId: string,
  onProgress: (message: PullMessage) => Promise<void>,
): Promise<number> {
  const id = shortId(layer.digest);
  lease.hold(diffId);
  const stored = await layers.info(diffId);
  if (stored) {
    await onProgress({ id, status: "Already exists" });
    return stored.size;
  }
  let download = inFlight.get(layer.digest);
  if (!download) {
    download = downloadLayer(
      layers,
      client,
      layer,
      diffId,
      (message) => onProgress({ id, ...message }),
    )
      .finally(() => inFlight.delete(layer.digest));
    inFlight.set(layer.digest, download);
  } else {
    await onProgress({ id, status: "Waiting" });
  }
  const info = await download;
  await onProgress({ id, status: "Pull complete" });
  return info.size;
}

async function downloadLayer(
  layers: LayerStore,
  client: RegistryClient,
  layer: Descriptor,
  diffId: string,
  onProgress: (message: PullMessage) => Promise<void>,
): Promise<LayerInfo> {
  await onProgress({ status: "Pulling fs layer" });
  const scratch = await layers.scratchDir();
  try {
    const path = `${scratch}/blob`;
    const { body, size } = await client.blob(layer.digest);
    const total = layer.size ?? size;
    const hash = createHash("sha256");
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    let current = 0;
    let reported = 0;
    try {
      for await (const chunk of body) {
        hash.update(chunk);
        await writeAll(file, chunk);
        current += chunk.length;
        // A progress message per MiB or so is plenty.
        if (current - reported >= 1 << 20 || current === total) {
          reported = current;
          await onProgress({ status: "Downloading", progressDetail: { current, total } });
        }
      }
    } finally {
      file.close();
    }
    await onProgress({ status: "Verifying Checksum" });
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== layer.digest) {
      throw new ApiError(500, `layer ${layer.digest} does not match its digest (it is ${actual})`);
    }
    await onProgress({ status: "Download complete" });
    await onProgress({ status: "Extracting" });
    return await layers.addFromTar((await Deno.open(path)).readable, { diffId });
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}
