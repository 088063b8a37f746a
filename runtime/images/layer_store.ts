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

/**
 * The layers one operation in progress (a pull, load, import or commit)
 * has stored or found, before its image names them: never collected while
 * held.
 */
export class LayerLease {
  #held = new Set<string>();
  #counts: Map<string, number>;

  constructor(counts: Map<string, number>) {
    this.#counts = counts;
  }

  /** Keep `diffId` from being collected until released; take it before looking for the layer. */
  hold(diffId: string): void {
    if (this.#held.has(diffId)) return;
    this.#held.add(diffId);
    this.#counts.set(diffId, (this.#counts.get(diffId) ?? 0) + 1);
  }

  /** Let go of every layer held; returns their diff IDs. */
  release(): string[] {
    const released = [...this.#held];
    for (const diffId of released) {
      const count = (this.#counts.get(diffId) ?? 1) - 1;
      if (count > 0) this.#counts.set(diffId, count);
      else this.#counts.delete(diffId);
    }
    this.#held.clear();
    return released;
  }
}

/** Layers of one daemon root. */
export class LayerStore {
  #dir: string;
  /** Leases on layers, by diff ID. */
  #held = new Map<string, number>();
  /** Layers being deleted, by diff ID: a lookup waits for the deletion. */
  #removals = new Map<string, Promise<void>>();
  /** The diff IDs images and containers name (set by the daemon). */
  #referenced: () => Set<string> = () => new Set();

  constructor(root: string) {
    this.#dir = `${root}/layers`;
  }

  /** Say which layers are in use (named by an image or a container): the rest may be collected. */
  setReferences(referenced: () => Set<string>): void {
    this.#referenced = referenced;
  }

  /**
   * Run `operation` with a lease for the layers it stores or reuses; once it
   * is over (stored its image, or failed), what it held that nothing names
   * is deleted: a failed pull or load keeps no layer.
   */
  async withLease<T>(operation: (lease: LayerLease) => Promise<T>): Promise<T> {
    const lease = new LayerLease(this.#held);
    try {
      return await operation(lease);
    } finally {
      await this.collect(lease.release());
    }
  }

  /**
   * Delete the stored layers among `candidates` (all of them when absent)
   * that no image or container names and no operation holds; returns the
   * bytes freed.
   */
  async collect(candidates?: Iterable<string>): Promise<number> {
    const diffIds = candidates ? [...new Set(candidates)] : await this.#storedIds();
    let freed = 0;
    for (const diffId of diffIds) {
      if (this.#inUse(diffId)) continue;
      const info = await this.info(diffId);
      if (info && await this.#remove(diffId)) freed += info.size;
    }
    return freed;
  }

  /** Every stored layer. */
  async stored(): Promise<LayerInfo[]> {
    const layers: LayerInfo[] = [];
    for (const diffId of await this.#storedIds()) {
      const info = await this.info(diffId);
      if (info) layers.push(info);
    }
    return layers;
  }

  async #storedIds(): Promise<string[]> {
    const diffIds: string[] = [];
    for await (const entry of Deno.readDir(`${this.#dir}/sha256`)) {
      if (entry.isDirectory && /^[a-f0-9]{64}$/.test(entry.name)) {
        diffIds.push(`sha256:${entry.name}`);
      }
    }
    return diffIds;
  }

  #inUse(diffId: string): boolean {
    return this.#held.has(diffId) || this.#referenced().has(diffId);
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
    await this.#removals.get(diffId);
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
    expected: { diffId?: string; lease?: LayerLease } = {},
  ): Promise<LayerInfo> {
    if (expected.diffId) expected.lease?.hold(expected.diffId);
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
      expected.lease?.hold(diffId);
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

  /**
   * Delete a layer unless something uses it (checked in the same turn as
   * the deletion starts: a lookup from then on waits for it); false when
   * it was kept or gone already.
   */
  #remove(diffId: string): Promise<boolean> {
    if (this.#inUse(diffId) || this.#removals.has(diffId)) return Promise.resolve(false);
    const dir = `${this.#dir}/sha256/${hex(diffId)}`;
    // Rename first so that a half-deleted layer never looks complete.
    const doomed = `${this.#dir}/tmp/removing-${hex(diffId)}-${Date.now()}`;
    const renamed = Deno.rename(dir, doomed).then(() => true, (error) => {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    });
    const settled = renamed.then(() => {}, () => {});
    this.#removals.set(diffId, settled);
    settled.then(() => this.#removals.delete(diffId));
    const removed = renamed.then(async (moved) => {
      if (!moved) return false;
      await Deno.remove(doomed, { recursive: true }).catch((error) =>
        log.warn("could not remove layer", { diffId, error: String(error) })
      );
      return true;
    });
    return removed;
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
