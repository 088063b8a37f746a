/**
 * Waiting for something, but not forever.
 * @module
 */

/**
 * The value of `promise`, or undefined once `ms` have passed first (a
 * rejection passes through). The timer is always cleared, so a settled
 * wait never keeps the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
  ]).finally(() => clearTimeout(timer));
}
