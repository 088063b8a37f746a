/**
 * Builds OCI image layouts for tests (what skopeo and `docker save` read
 * and write): layer blobs, optionally gzip-compressed, a config whose
 * diff IDs are the uncompressed tars' digests, a manifest and index.json.
 * @module
 */

import { createHash } from "node:crypto";
import { runCommand } from "./harness.ts";
import { buildTar } from "./tar_writer.ts";

/** One layer: the uncompressed tar, stored gzip-compressed when asked. */
export interface TestLayer {
  tar: Uint8Array;
  gzip?: boolean;
}

/** What the layout holds, for assertions. */
export interface TestLayout {
  dir: string;
  configDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function writeBlob(dir: string, data: Uint8Array): Promise<string> {
  const digest = sha256(data);
  await Deno.writeFile(`${dir}/blobs/sha256/${digest.slice(7)}`, data);
  return digest;
}

/** How one image in a layout is made. */
export interface TestImageOptions {
  cmd?: string[];
  env?: string[];
  /** A config that lies about its layers. */
  configDiffIds?: string[];
  architecture?: string;
  /** More of the image config's `config` (Entrypoint, User, Labels, ...). */
  runConfig?: Record<string, unknown>;
}

/** Write an OCI layout of one linux image into `dir` (created), named `name` if given. */
export async function writeOciLayout(
  dir: string,
  layers: TestLayer[],
  options: TestImageOptions & { name?: string } = {},
): Promise<TestLayout> {
  const image = await writeImage(dir, layers, options);
  await writeIndex(dir, image.manifest, options.name);
  return image.layout;
}

/**
 * Write an OCI layout whose index.json holds one image index (a multi-arch
 * image): one image per entry of `images`, for its architecture.
 */
export async function writeMultiArchLayout(
  dir: string,
  images: { architecture: string; layers: TestLayer[] }[],
  name?: string,
): Promise<TestLayout[]> {
  const written = [];
  for (const image of images) {
    written.push(await writeImage(dir, image.layers, { architecture: image.architecture }));
  }
  const index = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: written.map((image, index) => ({
      ...image.manifest,
      platform: { os: "linux", architecture: images[index].architecture },
    })),
  }));
  const digest = await writeBlob(dir, index);
  await writeIndex(dir, {
    mediaType: "application/vnd.oci.image.index.v1+json",
    digest,
    size: index.length,
  }, name);
  return written.map((image) => image.layout);
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

async function writeIndex(dir: string, manifest: Descriptor, name?: string): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/index.json`,
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        ...manifest,
        ...(name ? { annotations: { "io.containerd.image.name": name } } : {}),
      }],
    }),
  );
  await Deno.writeTextFile(`${dir}/oci-layout`, '{"imageLayoutVersion":"1.0.0"}');
}

async function writeImage(
  dir: string,
  layers: TestLayer[],
  options: TestImageOptions,
): Promise<{ layout: TestLayout; manifest: Descriptor }> {
  await Deno.mkdir(`${dir}/blobs/sha256`, { recursive: true });
  const diffIds: string[] = [];
  const descriptors: unknown[] = [];
  const layerDigests: string[] = [];
  for (const layer of layers) {
    diffIds.push(sha256(layer.tar));
    const blob = layer.gzip ? await gzip(layer.tar) : layer.tar;
    const digest = await writeBlob(dir, blob);
    layerDigests.push(digest);
    descriptors.push({
      mediaType: layer.gzip
        ? "application/vnd.oci.image.layer.v1.tar+gzip"
        : "application/vnd.oci.image.layer.v1.tar",
      digest,
      size: blob.length,
    });
  }
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: options.architecture ?? "amd64",
    os: "linux",
    created: "2026-11-27T00:00:00Z",
    config: {
      Cmd: options.cmd ?? ["sh"],
      Env: options.env ?? ["PATH=/bin:/usr/bin"],
      ...options.runConfig,
    },
    rootfs: { type: "layers", diff_ids: options.configDiffIds ?? diffIds },
  }));
  const configDigest = await writeBlob(dir, config);
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: configDigest,
      size: config.length,
    },
    layers: descriptors,
  }));
  const manifestDigest = await writeBlob(dir, manifest);
  return {
    layout: { dir, configDigest, diffIds, layerDigests },
    manifest: {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: manifestDigest,
      size: manifest.length,
    },
  };
}

/** `dir` as a tar archive at `out` (GNU tar). */
export async function tarDirectory(dir: string, out: string): Promise<void> {
  const result = await runCommand("tar", ["-C", dir, "-cf", out, "."]);
  if (result.code !== 0) throw new Error(`tar failed: ${result.stderr}`);
}

/** A layer holding one file of `megabytes` random bytes; returns it and the file's md5. */
export function randomLayer(megabytes: number): { layer: TestLayer; md5: string } {
  const content = new Uint8Array(megabytes * 1024 * 1024);
  for (let offset = 0; offset < content.length; offset += 65536) {
    crypto.getRandomValues(content.subarray(offset, offset + 65536));
  }
  return {
    layer: { tar: buildTar([{ path: "data/random", content }]) },
    md5: createHash("md5").update(content).digest("hex"),
  };
}
