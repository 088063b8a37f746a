/**
 * Image layers on disk: each layer is extracted once into
 * `<root>/layers/sha256/<hex>/diff`, keyed by its diff ID (the sha256 of
 * the uncompressed tar), and used as an overlayfs lower directory by every
 * image that contains it.
 * @module
 */

import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import { ApiError, BadRequest } from "../errors.ts";
import { log } from "../logger.ts";
import { type ExtractedLayer, extractLayer, LayerError } from "./layer_extract.ts";
import { layerTar, SkeletonRecorder } from "./layer_tar.ts";
import { decompressed } from "./tar_sniff.ts";
import { NotATar, TarError } from "../../lib/tar_reader.ts";

/** The file that rebuilds a layer's tar from its files (layer_tar.ts). */
const SKELETON = "tar-skeleton.gz";

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
   * Extract a layer tar (uncompressed, gzip or zstd). The layer appears
   * under its diff ID only once complete (and, with `expected.diffId`, only
   * if it matches); a failure leaves nothing behind.
   */
  async addFromTar(
    body: ReadableStream<Uint8Array>,
    expected: { diffId?: string } = {},
  ): Promise<LayerInfo> {
    const tarStream = await decompressed(body);
    const temp = await Deno.makeTempDir({ dir: `${this.#dir}/tmp` });
    try {
      await Deno.mkdir(`${temp}/diff`, { mode: 0o755 });
      const skeleton = new SkeletonRecorder();
      const { diffId, size } = await extractTar(tarStream, `${temp}/diff`, skeleton);
      if (expected.diffId && expected.diffId !== diffId) {
        throw new BadRequest(
          `a layer does not match its diff ID ${expected.diffId} (its content is ${diffId})`,
        );
      }
      const final = `${this.#dir}/sha256/${hex(diffId)}`;
      const info: LayerInfo = { diffId, size };
      if (await this.info(diffId)) {
        await Deno.remove(temp, { recursive: true });
        return info;
      }
      await Deno.writeFile(`${temp}/${SKELETON}`, await skeleton.compressed());
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

  /**
   * The layer's tar as it was received (rebuilt from its files and
   * skeleton), for save and push.
   */
  async tar(diffId: string): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
    const dir = `${this.#dir}/sha256/${hex(diffId)}`;
    if (!await Deno.stat(`${dir}/${SKELETON}`).then(() => true, () => false)) {
      throw new ApiError(
        500,
        `layer ${diffId} was stored by an older berth without its tar layout: ` +
          "remove the image and load or pull it again",
      );
    }
    return await layerTar(`${dir}/diff`, `${dir}/${SKELETON}`, diffId);
  }

  /** A new empty directory for scratch work, removed at the next start if left behind. */
  scratchDir(): Promise<string> {
    return Deno.makeTempDir({ dir: `${this.#dir}/tmp` });
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

/** Extract, turning bad archive content into a 400 that says what was wrong. */
async function extractTar(
  tar: ReadableStream<Uint8Array>,
  target: string,
  skeleton: SkeletonRecorder,
): Promise<ExtractedLayer> {
  try {
    return await extractLayer(tar, target, skeleton);
  } catch (error) {
    if (error instanceof NotATar) {
      throw new BadRequest("the body is not a tar archive (no valid tar header)");
    }
    if (error instanceof TarError || error instanceof LayerError) {
      throw new BadRequest(`invalid tar archive: ${error.message}`);
    }
    throw error;
  }
}
