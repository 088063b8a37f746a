/**
 * Images of one daemon root: each image is its configuration JSON stored
 * under the sha256 of its bytes (the image id), plus the tags that name it.
 *
 *   <root>/images/sha256/<hex>/config.json   the exact bytes hashed
 *   <root>/images/sha256/<hex>/meta.json     size, creation of the record
 *   <root>/images/repositories.json          full reference → image id
 * @module
 */

import { createHash } from "node:crypto";
import { writeFileAtomic, writeJsonAtomic } from "../../protocol/atomic_write.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { BadRequest, NotFound } from "../errors.ts";
import type { ImageConfig } from "./image_config.ts";
import {
  formatFamiliar,
  formatFull,
  fullRepository,
  parseReference,
  withDefaultTag,
} from "./reference.ts";

/** An image as the daemon keeps it. */
export interface Image {
  /** `sha256:<hex>` of the config bytes. */
  id: string;
  config: ImageConfig;
  /** Sum of the layers' uncompressed sizes. */
  size: number;
  /** When this daemon stored the image. */
  stored: string;
  /** Full references (`docker.io/library/busybox:latest`) naming it. */
  tags: string[];
  /** Full `repository@digest` references it was pulled as. */
  repoDigests: string[];
  /** The image it was committed from (docker's Parent, for local images). */
  parent?: string;
}

interface ImageMeta {
  size: number;
  stored: string;
  /** `repository@sha256:…` the image was pulled as (optional: older records lack it). */
  repoDigests?: string[];
  /** The image a commit made it from. */
  parent?: string;
}

/** The image records of one daemon. */
export class ImageStore {
  #dir: string;
  #images = new Map<string, Image>();
  #tags = new Map<string, string>();

  constructor(root: string) {
    this.#dir = `${root}/images`;
  }

  /** Load every image and tag from disk. */
  async init(): Promise<void> {
    await Deno.mkdir(`${this.#dir}/sha256`, { recursive: true });
    for await (const entry of Deno.readDir(`${this.#dir}/sha256`)) {
      if (!entry.isDirectory || !/^[a-f0-9]{64}$/.test(entry.name)) continue;
      const base = `${this.#dir}/sha256/${entry.name}`;
      try {
        const config = JSON.parse(await Deno.readTextFile(`${base}/config.json`));
        const meta: ImageMeta = JSON.parse(await Deno.readTextFile(`${base}/meta.json`));
        this.#images.set(`sha256:${entry.name}`, {
          id: `sha256:${entry.name}`,
          config,
          size: meta.size,
          stored: meta.stored,
          tags: [],
          repoDigests: meta.repoDigests ?? [],
          ...(meta.parent ? { parent: meta.parent } : {}),
        });
      } catch {
        // An image whose record was never completed: drop it.
        await Deno.remove(base, { recursive: true }).catch(() => {});
      }
    }
    let repositories: Record<string, string> = {};
    try {
      repositories = JSON.parse(await Deno.readTextFile(`${this.#dir}/repositories.json`));
    } catch {
      // no tags yet
    }
    for (const [reference, id] of Object.entries(repositories)) {
      const image = this.#images.get(id);
      if (!image) continue;
      this.#tags.set(reference, id);
      image.tags.push(reference);
    }
  }

  /** Every image. */
  list(): Image[] {
    return [...this.#images.values()];
  }

  /** An image by id. */
  byId(id: string): Image | undefined {
    return this.#images.get(id);
  }

  /**
   * Find an image by reference (`busybox`, `busybox:1`), full id, or id
   * prefix; throws NotFound with docker's message.
   */
  resolve(text: string): Image {
    const image = this.find(text);
    if (!image) throw new NotFound(`No such image: ${displayName(text)}`);
    return image;
  }

  /** {@link resolve} without the error. */
  find(text: string): Image | undefined {
    const id = /^(sha256:)?([a-f0-9]{64})$/.exec(text);
    if (id) return this.#images.get(`sha256:${id[2]}`);
    try {
      const parsed = parseReference(text);
      if (parsed.digest) {
        // NAME@DIGEST: the image pulled as it (its repo digest).
        const wanted = `${fullRepository(parsed)}@${parsed.digest}`;
        return [...this.#images.values()].find((image) => image.repoDigests.includes(wanted));
      }
      const tagged = this.#tags.get(formatFull(withDefaultTag(parsed)));
      if (tagged) return this.#images.get(tagged);
    } catch {
      // not a reference; maybe an id prefix
    }
    const prefix = /^(?:sha256:)?([a-f0-9]{1,63})$/.exec(text);
    if (!prefix) return undefined;
    const matches = [...this.#images.keys()].filter((key) => key.startsWith(`sha256:${prefix[1]}`));
    return matches.length === 1 ? this.#images.get(matches[0]) : undefined;
  }

  /** Remember that `image` was pulled as `repoDigest` (`docker.io/library/x@sha256:…`). */
  async addRepoDigest(image: Image, repoDigest: string): Promise<void> {
    const repository = repoDigest.slice(0, repoDigest.indexOf("@"));
    // One digest per repository, as docker keeps them.
    if (image.repoDigests.includes(repoDigest)) return;
    const kept = image.repoDigests.filter((item) => !item.startsWith(`${repository}@`));
    image.repoDigests = [...kept, repoDigest];
    await this.#saveMeta(image);
  }

  /** Forget the image an image was made from (that one is being deleted). */
  async clearParent(image: Image): Promise<void> {
    if (!image.parent) return;
    delete image.parent;
    await this.#saveMeta(image);
  }

  /** The images whose parent is `image`. */
  children(image: Image): Image[] {
    return this.list().filter((other) => other.parent === image.id);
  }

  async #saveMeta(image: Image): Promise<void> {
    const meta: ImageMeta = {
      size: image.size,
      stored: image.stored,
      repoDigests: image.repoDigests,
      ...(image.parent ? { parent: image.parent } : {}),
    };
    await writeJsonAtomic(
      `${this.#dir}/sha256/${image.id.replace(/^sha256:/, "")}/meta.json`,
      meta,
    );
  }

  /** Store an image config (idempotent); returns the image. `parent`: the image it was committed from. */
  add(config: ImageConfig, size: number, parent?: string): Promise<Image> {
    return this.addBytes(new TextEncoder().encode(JSON.stringify(config)), config, size, parent);
  }

  /**
   * Store an image config exactly as `bytes` (a loaded or pulled image
   * keeps the id it had: the sha256 of those bytes); idempotent.
   */
  async addBytes(
    bytes: Uint8Array,
    config: ImageConfig,
    size: number,
    parent?: string,
  ): Promise<Image> {
    const hex = createHash("sha256").update(bytes).digest("hex");
    const id = `sha256:${hex}`;
    const existing = this.#images.get(id);
    if (existing) return existing;
    const base = `${this.#dir}/sha256/${hex}`;
    await Deno.mkdir(base, { recursive: true });
    const meta: ImageMeta = {
      size,
      stored: formatRfc3339Nano(preciseNow()),
      ...(parent ? { parent } : {}),
    };
    await writeFileAtomic(`${base}/config.json`, bytes);
    await writeJsonAtomic(`${base}/meta.json`, meta);
    const image: Image = {
      id,
      config,
      size,
      stored: meta.stored,
      tags: [],
      repoDigests: [],
      ...(parent ? { parent } : {}),
    };
    this.#images.set(id, image);
    return image;
  }

  /** The config exactly as stored (its sha256 is the image id). */
  configBytes(image: Image): Promise<Uint8Array> {
    return Deno.readFile(`${this.#dir}/sha256/${image.id.replace(/^sha256:/, "")}/config.json`);
  }

  /** Throws unless `text` can name an image (a reference without a digest). */
  validateTag(text: string): void {
    if (parseReference(text).digest) {
      throw new BadRequest("refusing to create a tag with a digest reference");
    }
  }

  /** Point a reference (tag defaults to latest) at an image. */
  async tag(image: Image, text: string): Promise<string> {
    this.validateTag(text);
    const reference = withDefaultTag(parseReference(text));
    const full = formatFull(reference);
    const previous = this.#tags.get(full);
    if (previous === image.id) return full;
    if (previous) {
      const old = this.#images.get(previous);
      if (old) old.tags = old.tags.filter((tag) => tag !== full);
    }
    this.#tags.set(full, image.id);
    image.tags.push(full);
    await this.#saveTags();
    return full;
  }

  /** Remove one tag; returns the image it named. */
  async untag(full: string): Promise<Image | undefined> {
    const id = this.#tags.get(full);
    if (!id) return undefined;
    this.#tags.delete(full);
    const image = this.#images.get(id);
    if (image) image.tags = image.tags.filter((tag) => tag !== full);
    await this.#saveTags();
    return image;
  }

  /** The full reference a user's text names, if it is a tag of ours. */
  tagNamed(text: string): string | undefined {
    try {
      const full = formatFull(withDefaultTag(parseReference(text)));
      return this.#tags.has(full) ? full : undefined;
    } catch {
      return undefined;
    }
  }

  /** Delete an image record (tags included). */
  async delete(image: Image): Promise<void> {
    for (const tag of image.tags) this.#tags.delete(tag);
    image.tags = [];
    await this.#saveTags();
    this.#images.delete(image.id);
    await Deno.remove(`${this.#dir}/sha256/${image.id.slice(7)}`, { recursive: true });
  }

  async #saveTags(): Promise<void> {
    const repositories = Object.fromEntries([...this.#tags.entries()].sort());
    await writeJsonAtomic(`${this.#dir}/repositories.json`, repositories);
  }
}

/** How docker names an image the user asked for in "No such image". */
export function displayName(text: string): string {
  try {
    return formatFamiliar(withDefaultTag(parseReference(text)));
  } catch {
    return text;
  }
}
