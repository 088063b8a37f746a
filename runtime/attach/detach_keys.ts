/**
 * Detach keys from API parameters: docker's syntax, errors as 400.
 * @module
 */

import { parseDetachKeys } from "../../lib/detach_keys.ts";
import { BadRequest } from "../errors.ts";

/** Parse a detachKeys parameter; an empty value disables detaching (null). */
export function detachKeysParameter(text: string): number[] | null {
  try {
    return parseDetachKeys(text);
  } catch (error) {
    throw new BadRequest(error instanceof Error ? error.message : String(error));
  }
}
