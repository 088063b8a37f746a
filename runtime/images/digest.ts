/**
 * Content digests as registries and image configs write them.
 * @module
 */

import { createHash } from "node:crypto";

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
