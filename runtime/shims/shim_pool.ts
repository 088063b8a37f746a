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
    const ids = [...this.#ready.splice(0), ...this.#pending.splice(0)];
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
    const grants = ids.map((id) => this.grantFor(id));
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
    return discardStandbyShim(this.grantFor(id).stateDir);
  }
}
