/**
 * Removing a directory tree without waiting for it: the tree is renamed
 * into `<root>/trash` (atomic, and on the same filesystem), so it is gone
 * for everyone at once, and deleted in the background. Freeing a big
 * container log's blocks takes the filesystem up to a second; a removal
 * does not wait for that. What a daemon that stopped meanwhile left in the
 * trash, the next one deletes.
 * @module
 */

import { log } from "../logger.ts";
import { MNT_DETACH, unmount } from "./libc.ts";
import { mountsBelow } from "./mountinfo.ts";

/** Detach every mount below `path`, deepest first. */
async function detachMountsBelow(path: string): Promise<void> {
  for (const point of await mountsBelow(path)) unmount(point, MNT_DETACH);
}

/** The trash directory of one daemon root. */
export class Trash {
  readonly dir: string;
  #count = 0;
  #deleting = new Set<Promise<void>>();

  constructor(root: string) {
    this.dir = `${root}/trash`;
  }

  /** Make the trash directory and empty what an earlier daemon left in it. */
  async init(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for await (const entry of Deno.readDir(this.dir)) this.#delete(`${this.dir}/${entry.name}`);
  }

  /** Move `path` into the trash and delete it from there in the background. */
  async discard(path: string): Promise<void> {
    const target = `${this.dir}/${path.split("/").at(-1)}-${Deno.pid}-${++this.#count}`;
    try {
      await Deno.rename(path, target);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    this.#delete(target);
  }

  /** Resolves once every deletion started so far has finished. */
  async emptied(): Promise<void> {
    await Promise.all(this.#deleting);
  }

  #delete(path: string): void {
    // A recursive removal would go down into whatever is mounted below
    // (an idmapped layer is a live layer): those are detached first.
    const deletion = detachMountsBelow(path).then(() => Deno.remove(path, { recursive: true }))
      .catch((error) => log.warn("emptying the trash failed", { path, error: String(error) }))
      .finally(() => this.#deleting.delete(deletion));
    this.#deleting.add(deletion);
  }
}
