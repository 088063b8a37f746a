/**
 * Image layers on disk: each layer is extracted once into
 * `<root>/layers/sha256/<hex>/diff`, keyed by its diff ID (the sha256 of
 * the uncompressed tar), and used as an overlayfs lower directory by every
 * image that contains it.
 * @module
 */

import { createHash } from "node:crypto";
import { concatBytes } from "../../lib/bytes.ts";
import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import { BadRequest } from "../errors.ts";
import { log } from "../logger.ts";
import { looksLikeTar, sniffCompression } from "./tar_sniff.ts";

/** Metadata of a stored layer. */
export interface LayerInfo {
  diffId: string;
  /** Bytes of the uncompressed tar. */
  size: number;
}

/** Layers of one daemon root. */
export class LayerStore {
  #dir: string;

  constructor(root: string) {
    this.#dir = `${root}/layers`;
  }

  /** Create the store's directories. */
  async init(): Promise<void> {
    await Deno.mkdir(`${this.#dir}/sha256`, { recursive: true });
    await Deno.mkdir(`${this.#dir}/tmp`, { recursive: true });
    // Extractions interrupted by a crash leave only temp dirs behind.
    for await (const entry of Deno.readDir(`${this.#dir}/tmp`)) {
      await Deno.remove(`${this.#dir}/tmp/${entry.name}`, { recursive: true }).catch(() => {});
    }
  }

  /** The directory overlayfs stacks for a layer. */
  diffPath(diffId: string): string {
    return `${this.#dir}/sha256/${hex(diffId)}/diff`;
  }

  /** Metadata of a layer, or undefined when it is not stored. */
  async info(diffId: string): Promise<LayerInfo | undefined> {
    try {
      return JSON.parse(await Deno.readTextFile(`${this.#dir}/sha256/${hex(diffId)}/layer.json`));
    } catch {
      return undefined;
    }
  }

  /**
   * Extract a (possibly gzip-compressed) layer tar. The layer appears under
   * its diff ID only once complete; a failure leaves nothing behind.
   */
  async addFromTar(body: ReadableStream<Uint8Array>): Promise<LayerInfo> {
    const { compression, stream } = await sniffCompression(body);
    if (compression === "unsupported") {
      throw new BadRequest(
        "unsupported compression: only uncompressed and gzip tars can be imported",
      );
    }
    const tarStream = compression === "gzip"
      ? stream.pipeThrough(
        new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
      )
      : stream;
    const temp = await Deno.makeTempDir({ dir: `${this.#dir}/tmp` });
    try {
      await Deno.mkdir(`${temp}/diff`, { mode: 0o755 });
      const { diffId, size } = await extractTar(tarStream, `${temp}/diff`);
      const final = `${this.#dir}/sha256/${hex(diffId)}`;
      const info: LayerInfo = { diffId, size };
      if (await this.info(diffId)) {
        await Deno.remove(temp, { recursive: true });
        return info;
      }
      await writeJsonAtomic(`${temp}/layer.json`, info);
      try {
        await Deno.rename(temp, final);
      } catch (error) {
        // Another import of the same layer won the race.
        if (!(await this.info(diffId))) throw error;
        await Deno.remove(temp, { recursive: true });
      }
      return info;
    } catch (error) {
      await Deno.remove(temp, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** Delete a layer (the caller checks that nothing uses it). */
  async remove(diffId: string): Promise<void> {
    const dir = `${this.#dir}/sha256/${hex(diffId)}`;
    // Rename first so that a half-deleted layer never looks complete.
    const doomed = `${this.#dir}/tmp/removing-${hex(diffId)}-${Date.now()}`;
    try {
      await Deno.rename(dir, doomed);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    await Deno.remove(doomed, { recursive: true }).catch((error) =>
      log.warn("could not remove layer", { diffId, error: String(error) })
    );
  }
}

function hex(digest: string): string {
  const value = digest.replace(/^sha256:/, "");
  if (!/^[a-f0-9]{64}$/.test(value)) throw new Error(`not a sha256 digest: ${digest}`);
  return value;
}

/**
 * Feed a tar stream to GNU tar, hashing it on the way. GNU tar refuses
 * members with `..` and strips leading `/`; ownership, modes and xattrs are
 * kept.
 */
async function extractTar(
  tar: ReadableStream<Uint8Array>,
  target: string,
): Promise<{ diffId: string; size: number }> {
  const reader = tar.getReader();
  const first = await readAtLeast(reader, 512);
  if (!looksLikeTar(first)) {
    await reader.cancel().catch(() => {});
    throw new BadRequest("the body is not a tar archive (no valid tar header)");
  }
  const child = new Deno.Command("tar", {
    args: [
      "--extract",
      "--file=-",
      `--directory=${target}`,
      "--numeric-owner",
      "--same-owner",
      "--same-permissions",
      "--xattrs",
      "--xattrs-include=*",
      "--no-overwrite-dir",
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const hash = createHash("sha256");
  const writer = child.stdin.getWriter();
  let size = 0;
  let writeFailed = false;
  const feed = async (chunk: Uint8Array) => {
    hash.update(chunk);
    size += chunk.length;
    if (!writeFailed) await writer.write(chunk).catch(() => writeFailed = true);
  };
  try {
    await feed(first);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      await feed(value);
    }
  } catch (error) {
    await writer.abort().catch(() => {});
    await child.status;
    throw new BadRequest(
      `reading the tar failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  await writer.close().catch(() => {});
  const status = await child.status;
  if (!status.success) {
    const message = (await stderrText).trim().split("\n").filter((line) =>
      !line.includes("Exiting with failure status")
    ).join("; ");
    throw new BadRequest(`invalid tar archive: ${message || `tar exited with ${status.code}`}`);
  }
  return { diffId: `sha256:${hash.digest("hex")}`, size };
}

async function readAtLeast(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  count: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < count) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.length;
  }
  return concatBytes(parts);
}
