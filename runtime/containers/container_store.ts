/**
 * Every container of a daemon, by id and by name, loaded from
 * `<root>/containers/*\/container.json` at start.
 * @module
 */

import { BadRequest, Conflict, NotFound } from "../errors.ts";
import { log } from "../logger.ts";
import { MNT_DETACH, unmount } from "../system/libc.ts";
import { isMountPoint } from "../system/mountinfo.ts";
import { Container, type ContainerRecord } from "./container.ts";
import { migrateNetworkFields } from "../networks/attachments.ts";

/** The daemon's containers. */
export class ContainerStore {
  #root: string;
  #byId = new Map<string, Container>();
  #byName = new Map<string, string>();

  constructor(root: string) {
    this.#root = root;
  }

  /** Load the records from disk; records that cannot be read are skipped. */
  async init(): Promise<void> {
    const dir = `${this.#root}/containers`;
    await Deno.mkdir(dir, { recursive: true });
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isDirectory) continue;
      const path = `${dir}/${entry.name}/container.json`;
      let record: ContainerRecord;
      try {
        record = JSON.parse(await Deno.readTextFile(path));
      } catch (error) {
        // A create or a removal cut short: no record, so nothing to keep.
        log.warn("removing a container directory without a record", {
          dir: entry.name,
          error: String(error),
        });
        const rootfs = `${dir}/${entry.name}/fs/merged`;
        if (await isMountPoint(rootfs)) unmount(rootfs, MNT_DETACH);
        if (!(await isMountPoint(rootfs))) {
          await Deno.remove(`${dir}/${entry.name}`, { recursive: true }).catch(() => {});
        }
        continue;
      }
      migrateNetworkFields(record);
      this.#add(new Container(record, this.#root));
    }
  }

  /** Every container, newest first. */
  list(): Container[] {
    return [...this.#byId.values()].sort((a, b) =>
      b.record.created.localeCompare(a.record.created)
    );
  }

  /** Containers whose image is `imageId`. */
  usingImage(imageId: string): Container[] {
    return this.list().filter((container) => container.record.imageId === imageId);
  }

  /** Find by full id, name (with or without "/"), or unique id prefix. */
  find(reference: string): Container | undefined {
    const exact = this.#byId.get(reference);
    if (exact) return exact;
    const name = reference.startsWith("/") ? reference.slice(1) : reference;
    const named = this.#byName.get(name);
    if (named) return this.#byId.get(named);
    if (!/^[a-f0-9]+$/.test(reference)) return undefined;
    const matches = [...this.#byId.keys()].filter((id) => id.startsWith(reference));
    if (matches.length > 1) {
      throw new BadRequest(`multiple IDs found with provided prefix: ${reference}`);
    }
    return matches.length === 1 ? this.#byId.get(matches[0]) : undefined;
  }

  /** {@link find}, or NotFound with docker's message. */
  get(reference: string): Container {
    const container = this.find(reference);
    if (!container) throw new NotFound(`No such container: ${reference}`);
    return container;
  }

  /** Throw Conflict, worded as docker's, when a container other than `id` has the name. */
  checkNameFree(name: string, id?: string): void {
    const owner = this.#byName.get(name);
    if (owner && owner !== id) {
      throw new Conflict(
        `Conflict. The container name "/${name}" is already in use by container "${owner}". ` +
          `You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }

  /** Reserve a name; throws Conflict when another container has it. */
  reserveName(name: string, id: string): void {
    this.checkNameFree(name, id);
    this.#byName.set(name, id);
  }

  /** Release a name reserved by `id`. */
  releaseName(name: string, id: string): void {
    if (this.#byName.get(name) === id) this.#byName.delete(name);
  }

  /** True when no container holds the name. */
  nameFree(name: string): boolean {
    return !this.#byName.has(name);
  }

  /** Register a container (its name must be reserved by it or free). */
  add(container: Container): void {
    this.reserveName(container.name, container.id);
    this.#add(container);
  }

  #add(container: Container): void {
    this.#byId.set(container.id, container);
    this.#byName.set(container.name, container.id);
  }

  /** Forget a container. */
  delete(container: Container): void {
    this.#byId.delete(container.id);
    this.releaseName(container.name, container.id);
  }

  /** Count containers by status. */
  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0, paused = 0, stopped = 0;
    for (const container of this.#byId.values()) {
      if (container.state.Status === "running") running++;
      else if (container.state.Status === "paused") paused++;
      else stopped++;
    }
    return { total: this.#byId.size, running, paused, stopped };
  }
}
