/**
 * Crash-safe file replacement, shared by the shim and the daemon.
 * @module
 */

import { writeAll } from "./write_all.ts";

let counter = 0;

/**
 * Replace `path` with `data` atomically: write a temp file beside it, fsync
 * it, then rename it over `path`. A reader sees the old file or the new one,
 * never a partial write, even if the writer is killed halfway. Files that are
 * made anew at every start (specs, pid files) skip the fsync with
 * `durable: false`: only a power loss could tell, and it kills their
 * containers too.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { durable?: boolean; mode?: number } = {},
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temp = `${path}.tmp-${Deno.pid}-${++counter}`;
  const mode = options.mode ?? 0o600;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true, mode });
  try {
    // The mode asked for, whatever the umask took away.
    if (mode !== 0o600) await Deno.chmod(temp, mode);
    await writeAll(file, bytes);
    if (options.durable !== false) await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  file.close();
  try {
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** {@link writeFileAtomic} for a JSON value. */
export function writeJsonAtomic(
  path: string,
  value: unknown,
  options: { durable?: boolean } = {},
): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", options);
}
