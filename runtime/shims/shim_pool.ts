/**
 * A few shims booted ahead of time, each waiting in standby in the state
 * dir of a container id reserved for it, with permissions for that id's
 * files only. A new container takes a reserved id, so its start skips the
 * shim's boot (a Deno start-up, and the cold runtime `create` that follows
 * one). The pool refills one shim at a time in the background, once the
 * daemon is quiet.
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

/** A pool of standby shims. */
export class ShimPool {
  #ready: string[] = [];
  #filling = false;
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    readonly size: number,
    readonly program: ShimProgram,
    /** The grant for a reserved id (its state dir and log). */
    readonly grantFor: (id: string) => ShimGrant,
  ) {}

  /**
   * Take a reserved id whose shim is ready, if any. The pool refills once
   * the daemon has been quiet for REFILL_DELAY_MS (no take, no start), so a
   * booting Deno never competes with the starts it is meant to speed up.
   */
  take(): string | undefined {
    const id = this.#ready.shift();
    this.fillWhenQuiet();
    return id;
  }

  /** (Re)arm the refill for REFILL_DELAY_MS from now. */
  fillWhenQuiet(): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = setTimeout(() => this.fill(), REFILL_DELAY_MS);
  }

  /** Start booting shims until the pool is full (one at a time). */
  fill(): void {
    if (this.#filling || this.#closed || this.#ready.length >= this.size) return;
    this.#filling = true;
    (async () => {
      while (!this.#closed && this.#ready.length < this.size) {
        const id = newId();
        const grant = this.grantFor(id);
        try {
          await spawnShim(this.program, grant, { niceness: POOL_NICENESS });
        } catch (error) {
          log.warn("could not start a standby shim; the pool stops filling", {
            error: errorMessage(error),
          });
          await Deno.remove(grant.stateDir, { recursive: true }).catch(() => {});
          break;
        }
        if (this.#closed) await this.#discard(id);
        else this.#ready.push(id);
      }
    })().finally(() => this.#filling = false);
  }

  /** Shut every waiting shim down (daemon shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    const ids = this.#ready.splice(0);
    await Promise.all(ids.map((id) => this.#discard(id)));
  }

  #discard(id: string): Promise<void> {
    return discardStandbyShim(this.grantFor(id).stateDir);
  }
}
