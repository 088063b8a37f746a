/**
 * Whether a path is a mount point: its device differs from its parent's.
 * (Deno refuses to read /proc/self/mountinfo without --allow-all.)
 * @module
 */

/** True when `path` is a mount point; false when it is not or does not exist. */
export async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([Deno.stat(path), Deno.stat(`${path}/..`)]);
    return self.dev !== parent.dev || self.ino === parent.ino;
  } catch {
    return false;
  }
}
