/**
 * A build's context: the request body (a tar, plain or gzip, bzip2, xz or
 * zstd compressed; or a bare Dockerfile, as `docker build - < Dockerfile`
 * sends) unpacked with the layer extractor (no `..`, no absolute paths, no
 * writes through symlinks) into scratch space, what `.dockerignore`
 * leaves out removed, and the Dockerfile read from it.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";
import { IgnoreMatcher, parseDockerignore } from "../../lib/dockerignore.ts";
import { TarError } from "../../lib/tar_reader.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { extractLayer, LayerError } from "../images/layer_extract.ts";
import { decompressed, peekStream, sniffCompression } from "../images/tar_sniff.ts";
import { secureJoin } from "../system/secure_join.ts";

/** An unpacked context. */
export interface BuildContext {
  dir: string;
  dockerfile: string;
  /** Remove the scratch directory. */
  remove(): Promise<void>;
}

/** The largest Dockerfile sent bare (not in a tar). */
const MAX_BARE_DOCKERFILE = 4 * 1024 * 1024;

/** A tar: "ustar" at offset 257 of its first header. */
function looksLikeTar(head: Uint8Array): boolean {
  return new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
}

/**
 * `body` uncompressed (gzip and zstd in process, bzip2 and xz by their
 * tools), and whether it was compressed.
 */
export async function uncompressed(
  body: ReadableStream<Uint8Array>,
): Promise<{ stream: ReadableStream<Uint8Array>; compressed: boolean }> {
  const { compression, stream } = await sniffCompression(body);
  if (compression !== "bzip2" && compression !== "xz") {
    return { stream: await decompressed(stream), compressed: compression !== "none" };
  }
  const child = new Deno.Command(compression, {
    args: ["-dc"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  stream.pipeTo(child.stdin).catch(() => {});
  child.status.catch(() => {});
  return { stream: child.stdout, compressed: true };
}

/** `stream` when it is a tar (by its first header's magic); else it is cancelled. */
export async function peekTar(
  stream: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array> | undefined> {
  const head = await peekStream(stream, 512);
  if (looksLikeTar(head.bytes)) return head.stream;
  await head.stream.cancel().catch(() => {});
  return undefined;
}

/** Remove what the patterns leave out, below `relative` of `root`. */
async function applyIgnore(root: string, relative: string, matcher: IgnoreMatcher) {
  const dir = relative ? `${root}/${relative}` : root;
  for await (const entry of Deno.readDir(dir)) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (matcher.excludes(path)) {
      // An exception may re-include something below an excluded directory.
      if (entry.isDirectory && matcher.hasExceptions) {
        await applyIgnore(root, path, matcher);
        const left = await Array.fromAsync(Deno.readDir(`${root}/${path}`));
        if (left.length === 0) await Deno.remove(`${root}/${path}`);
      } else {
        await Deno.remove(`${root}/${path}`, { recursive: true });
      }
    } else if (entry.isDirectory) {
      await applyIgnore(root, path, matcher);
    }
  }
}

/** Unpack the request body; `dockerfilePath` names the Dockerfile in it. */
export async function unpackContext(
  context: DaemonContext,
  body: ReadableStream<Uint8Array>,
  dockerfilePath: string,
): Promise<BuildContext> {
  const dir = await context.layers.scratchDir();
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const { stream, compressed } = await uncompressed(body);
    const head = await peekStream(stream, 512);
    let dockerfile: string;
    if (head.bytes.length > 0 && !looksLikeTar(head.bytes) && !compressed) {
      // A bare Dockerfile and no context.
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of head.stream) {
        size += chunk.length;
        if (size > MAX_BARE_DOCKERFILE) throw new BadRequest("the Dockerfile is too large");
        chunks.push(chunk);
      }
      dockerfile = new TextDecoder().decode(concatBytes(chunks));
    } else {
      if (head.bytes.length > 0) {
        try {
          await extractLayer(head.stream, dir);
        } catch (error) {
          if (error instanceof TarError || error instanceof LayerError) {
            throw new BadRequest(`the build context is not a valid tar archive: ${error.message}`);
          }
          throw error;
        }
      }
      dockerfile = await readDockerfile(dir, dockerfilePath);
    }
    const ignore = await Deno.readTextFile(`${dir}/.dockerignore`).catch(() => "");
    const patterns = parseDockerignore(ignore);
    if (patterns.length) await applyIgnore(dir, "", new IgnoreMatcher(patterns));
    return { dir, dockerfile, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The Dockerfile inside the context (`Dockerfile`, else `dockerfile`, as docker looks). */
async function readDockerfile(dir: string, path: string): Promise<string> {
  const candidates = path === "Dockerfile" ? ["Dockerfile", "dockerfile"] : [path];
  for (const candidate of candidates) {
    try {
      return await Deno.readTextFile(await secureJoin(dir, candidate));
    } catch {
      // try the next
    }
  }
  throw new BadRequest(`Cannot locate specified Dockerfile: ${path}`);
}
