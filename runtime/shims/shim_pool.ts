/**
 * Container ids reserved ahead of time, each with a shim already waiting in
 * standby in its state dir, with permissions for the files of its ids only.
 * A new container takes a reserved id, so its start skips the shim's boot
 * (a Deno start-up, and the cold runtime `create` that follows one).
 *
 * Shims are booted in groups: one shim process serves `groupSize` ids, so
 * that a Deno process is paid once per group instead of once per container.
 * The pool refills in the background once the daemon is quiet; when it has
 * run dry, a burst of creates shares one group booted on demand.
 * @module
 */

import { newId } from "../ids.ts";
import { errorMessage, log } from "../logger.ts";
import {
  discardStandbyShim,
  type ShimGrant,
  type ShimProgram,
  spawnShim,
} from "./shim_launcher.ts";

/** Log files a pooled shim may write: containers with more get a fresh shim. */
export const POOL_LOG_FILES = 10;

/**
 * Pooled shims boot at this niceness, so that their boot never takes a CPU
 * from a container that is starting; each resets it when it gets its
 * container.
 */
const POOL_NICENESS = 10;

/**
 * The ids of an owner's group: a pod's containers and execs (each exec
 * spends one; a new group boots when they run out).
 */
const OWNED_GROUP_SIZE = 8;

/** How long the daemon must be quiet before the pool refills. */
const REFILL_DELAY_MS = 300;

/** A pool of standby shim state dirs, by reserved id. */
export class ShimPool {
  /** Ids whose shim is up and waiting. */
  #ready: string[] = [];
  /** Ids of the group being booted on demand, not yet taken. */
  #pending: string[] = [];
  /** The boot of each id's shim while it runs: true once it is up. */
  #boots = new Map<string, Promise<boolean>>();
  /** Each owner's grant and the ids of its groups not taken yet. */
  #owners = new Map<string, { grantFor: (id: string) => ShimGrant; spare: string[] }>();
  /** The owner of each id booted for one. */
  #ownerOf = new Map<string, string>();
  #filling = false;
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    /** How many ids to keep ready (0: no pool, every container boots its own shim). */
    readonly size: number,
    /** How many ids one shim serves. */
    readonly groupSize: number,
    readonly program: ShimProgram,
    /** The grant for a reserved id (its state dir and log). */
    readonly grantFor: (id: string) => ShimGrant,
  ) {}

  /**
   * Take a reserved id, if any: a ready one, else one of a group booting
   * now (see {@link booted}). The pool refills once the daemon has been
   * quiet for REFILL_DELAY_MS (no take, no start), so a booting Deno never
   * competes with the starts it is meant to speed up.
   */
  take(): string | undefined {
    const id = this.#ready.shift() ?? this.#pending.shift() ?? this.#bootOnDemand();
    this.fillWhenQuiet();
    return id;
  }

  /** Register an owner whose shims get `grantFor`'s grants (a pod's log directory). */
  addOwner(owner: string, grantFor: (id: string) => ShimGrant): void {
    if (!this.#owners.has(owner)) this.#owners.set(owner, { grantFor, spare: [] });
  }

  /**
   * An id served by one of the owner's shims: a spare one of its groups,
   * else the first of a group booted now (`first` when given; the others
   * wait for the owner's next containers and execs). Undefined for an
   * owner not registered (after a daemon restart: a shim of its own).
   */
  takeOwned(owner: string, first?: string): string | undefined {
    const entry = this.#owners.get(owner);
    if (!entry || this.#closed) return undefined;
    const spare = first === undefined ? entry.spare.shift() : undefined;
    if (spare) return spare;
    const ids = [first ?? newId(), ...Array.from({ length: OWNED_GROUP_SIZE - 1 }, () => newId())];
    for (const id of ids) this.#ownerOf.set(id, owner);
    entry.spare.push(...ids.slice(1));
    this.#boot(ids).then(async (up) => {
      if (up) return;
      entry.spare = entry.spare.filter((id) => !ids.includes(id));
      await Promise.all(ids.slice(1).map((id) => this.#discard(id)));
    });
    return ids[0];
  }

  /** The owner is gone: its spare shims quit. */
  async removeOwner(owner: string): Promise<void> {
    const entry = this.#owners.get(owner);
    if (!entry) return;
    this.#owners.delete(owner);
    await Promise.all(entry.spare.map((id) => this.#boots.get(id)));
    await Promise.all(entry.spare.map((id) => this.#discard(id)));
    for (const [id, of] of this.#ownerOf) if (of === owner) this.#ownerOf.delete(id);
  }

  /** The grant of a reserved id: its owner's, else the pool's. */
  grantOf(id: string): ShimGrant {
    const owner = this.#ownerOf.get(id);
    return (owner && this.#owners.get(owner)?.grantFor(id)) || this.grantFor(id);
  }

  /** True when `id` was booted for an owner. */
  isOwned(id: string): boolean {
    return this.#ownerOf.has(id);
  }

  /**
   * Wait while the shim of a taken id is still booting. Its standby state
   * dir is then there, or (when the boot failed) not: the start boots a
   * shim of its own.
   */
  async booted(id: string): Promise<void> {
    await this.#boots.get(id);
  }

  /** (Re)arm the refill for REFILL_DELAY_MS from now. */
  fillWhenQuiet(): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = setTimeout(() => this.fill(), REFILL_DELAY_MS);
  }

  /** Start booting shims until the pool is full (one group at a time). */
  fill(): void {
    if (this.#filling || this.#closed || this.#ready.length >= this.size) return;
    this.#filling = true;
    (async () => {
      while (!this.#closed && this.#ready.length < this.size) {
        const ids = Array.from({ length: this.groupSize }, () => newId());
        if (!await this.#boot(ids, POOL_NICENESS)) {
          log.warn("the shim pool stops filling");
          break;
        }
        if (this.#closed) await Promise.all(ids.map((id) => this.#discard(id)));
        else this.#ready.push(...ids);
      }
    })().finally(() => this.#filling = false);
  }

  /** Shut every waiting shim down (daemon shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    await Promise.all(this.#boots.values());
    const ids = [
      ...this.#ready.splice(0),
      ...this.#pending.splice(0),
      ...[...this.#owners.values()].flatMap((entry) => entry.spare.splice(0)),
    ];
    await Promise.all(ids.map((id) => this.#discard(id)));
  }

  /**
   * The pool ran dry: boot a group now, at full priority (a start waits
   * for it), hand out its first id and keep the rest for the creates that
   * follow. A lone shim gains nothing from this over the start's own boot.
   */
  #bootOnDemand(): string | undefined {
    if (this.size === 0 || this.groupSize < 2 || this.#closed) return undefined;
    const [first, ...rest] = Array.from({ length: this.groupSize }, () => newId());
    this.#pending.push(...rest);
    this.#boot([first, ...rest]).then(async (up) => {
      const untaken = rest.filter((id) => this.#pending.includes(id));
      this.#pending = this.#pending.filter((id) => !untaken.includes(id));
      if (up && !this.#closed) this.#ready.push(...untaken);
      else await Promise.all(untaken.map((id) => this.#discard(id)));
    });
    return first;
  }

  /** Boot one shim serving `ids`; false (and logged) when it failed. */
  #boot(ids: string[], niceness?: number): Promise<boolean> {
    const grants = ids.map((id) => this.grantOf(id));
    const boot = spawnShim(this.program, grants, { niceness }).then(
      () => true,
      async (error) => {
        log.warn("could not start a standby shim", { error: errorMessage(error) });
        await Promise.all(
          grants.map(({ stateDir }) => Deno.remove(stateDir, { recursive: true }).catch(() => {})),
        );
        return false;
      },
    ).finally(() => ids.forEach((id) => this.#boots.delete(id)));
    for (const id of ids) this.#boots.set(id, boot);
    return boot;
  }

  #discard(id: string): Promise<void> {
    return discardStandbyShim(this.grantOf(id).stateDir);
  }
}
