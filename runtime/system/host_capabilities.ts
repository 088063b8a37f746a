/**
 * The capabilities this daemon may hand out: its bounding set, which its
 * shims and runtimes inherit (a host may have dropped some, as ours drops
 * CAP_SYS_RESOURCE). "All capabilities" means these.
 * @module
 */

import { ALL_CAPABILITIES } from "../oci/capabilities.ts";
import { readSystemFile } from "./libc.ts";

let bounding: string[] | undefined;

/** The capabilities in this process's bounding set (all known ones if unreadable). */
export function boundingCapabilities(): string[] {
  if (bounding) return bounding;
  const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readSystemFile("/proc/self/status") ?? "");
  if (!line) return bounding = [...ALL_CAPABILITIES];
  const mask = BigInt(`0x${line[1]}`);
  return bounding = ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}
