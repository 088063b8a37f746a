/**
 * `docker push`: an image's layers (the tars it was loaded or pulled with,
 * rebuilt and gzip-compressed into scratch space, so digest and size are
 * known before the upload), its config and a schema 2 manifest, through
 * the OCI distribution API. Blobs the registry has already are not sent.
 * Progress goes out as docker's JSON messages.
 * @module
 */

import { createHash } from "node:crypto";
import { ApiError } from "../errors.ts";
import type { Image, ImageStore } from "./image_store.ts";
import type { LayerStore } from "./layer_store.ts";
import { sha256Digest } from "./digest.ts";
import type { PullMessage } from "./pull.ts";
import type { RegistryClient } from "./registry_client.ts";
import { writeAll } from "../../protocol/write_all.ts";

const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";
const LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip";

interface Blob {
  digest: string;
  size: number;
}

function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** True when the registry has the blob already. */
async function blobExists(client: RegistryClient, digest: string): Promise<boolean> {
  const response = await client.request(`${client.repository}/blobs/${digest}`, { method: "HEAD" });
  await response.body?.cancel();
  return response.ok;
}

/** Upload a blob in one PUT (the POST first also settles authentication). */
async function uploadBlob(
  client: RegistryClient,
  blob: Blob,
  body: () => Promise<BodyInit>,
): Promise<void> {
  const started = await client.request(`${client.repository}/blobs/uploads/`, { method: "POST" });
  await started.body?.cancel();
  const location = started.headers.get("location");
  if (started.status !== 202 || !location) {
    throw new ApiError(
      started.status === 401 || started.status === 403 ? started.status : 500,
      started.status === 401 || started.status === 403
        ? `push access denied to ${client.repository}: log in with push rights`
        : `the registry refused an upload: ${started.status}`,
    );
  }
  const target = new URL(location, `https://${client.host}`);
  target.searchParams.set("digest", blob.digest);
  const absolute = /^https?:\/\//.test(location)
    ? target.href
    : `${target.pathname}${target.search}`;
  const put = await client.request(absolute, {
    method: "PUT",
    headers: { "Content-Type": "application/octet-stream", "Content-Length": String(blob.size) },
    body: await body(),
  });
  const text = await put.text();
  if (put.status !== 201) {
    throw new ApiError(500, `uploading ${blob.digest} failed: ${put.status} ${text.slice(0, 200)}`);
  }
}

/** Push `image` as `repository:tag` through `client`; returns the manifest's digest and size. */
export async function pushImage(
  images: ImageStore,
  layers: LayerStore,
  image: Image,
  tag: string,
  client: RegistryClient,
  onProgress: (message: PullMessage) => Promise<void>,
): Promise<{ digest: string; size: number }> {
  await onProgress({
    status: `The push refers to repository [${client.host}/${client.repository}]`,
  });
  const diffIds = image.config.rootfs.diff_ids;
  for (const diffId of diffIds) await onProgress({ id: shortId(diffId), status: "Preparing" });
  const pushedLayers: Blob[] = [];
  for (const diffId of diffIds) {
    pushedLayers.push(await pushLayer(layers, client, diffId, onProgress));
  }
  const config = await images.configBytes(image);
  const configBlob = { digest: sha256Digest(config), size: config.length };
  if (!await blobExists(client, configBlob.digest)) {
    await uploadBlob(client, configBlob, () => Promise.resolve(config as Uint8Array<ArrayBuffer>));
  }
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: CONFIG_TYPE, ...configBlob },
    layers: pushedLayers.map((layer) => ({ mediaType: LAYER_TYPE, ...layer })),
  }));
  const response = await client.request(`${client.repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { "Content-Type": MANIFEST_TYPE },
    body: manifest,
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new ApiError(
      500,
      `the registry refused the manifest: ${response.status} ${text.slice(0, 200)}`,
    );
  }
  const digest = sha256Digest(manifest);
  await onProgress({ status: `${tag}: digest: ${digest} size: ${manifest.length}` });
  return { digest, size: manifest.length };
}

/** Compress one layer into scratch space and upload it unless the registry has it. */
async function pushLayer(
  layers: LayerStore,
  client: RegistryClient,
  diffId: string,
  onProgress: (message: PullMessage) => Promise<void>,
): Promise<Blob> {
  const id = shortId(diffId);
  const scratch = await layers.scratchDir();
  try {
    const path = `${scratch}/layer.tar.gz`;
    const tar = await layers.tar(diffId);
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    const hash = createHash("sha256");
    let size = 0;
    try {
      const gzip = new CompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >;
      for await (const chunk of tar.stream.pipeThrough(gzip)) {
        hash.update(chunk);
        size += chunk.length;
        await writeAll(file, chunk);
      }
    } finally {
      file.close();
    }
    const blob = { digest: `sha256:${hash.digest("hex")}`, size };
    if (await blobExists(client, blob.digest)) {
      await onProgress({ id, status: "Layer already exists" });
      return blob;
    }
    await onProgress({ id, status: "Pushing", progressDetail: { current: 0, total: size } });
    await uploadBlob(client, blob, async () => (await Deno.open(path)).readable);
    await onProgress({ id, status: "Pushed" });
    return blob;
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}
