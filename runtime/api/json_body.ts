/**
 * Request bodies in JSON, read within bounds: no API body needs more than a
 * few megabytes (a create whose command and environment fill the kernel's
 * ARG_MAX is ~6 MiB), so a body past {@link JSON_BODY_LIMITS} is refused as
 * it arrives, before it costs memory, and nothing is parsed that could
 * hold the event loop (and every other client) for long. The bytes are
 * checked as they come: UTF-8, nesting depth and the number of values.
 * @module
 */

import { BadRequest, PayloadTooLarge } from "../errors.ts";

/** The bounds of one JSON request body. */
export const JSON_BODY_LIMITS = {
  /** Bytes. */
  bytes: 16 * 1024 * 1024,
  /** Arrays and objects inside each other (docker's bodies nest ~6 deep). */
  depth: 100,
  /**
   * Values (array items, object members) in all: parsing a body of only
   * tiny values costs ~0.2 µs each, so this keeps any parse near 25 ms.
   */
  values: 100_000,
} as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** Collects a JSON body chunk by chunk, refusing it as soon as it breaks a bound. */
export class JsonBodyReader {
  #decoder = new TextDecoder("utf-8", { fatal: true });
  #parts: string[] = [];
  #bytes = 0;
  #depth = 0;
  #values = 0;
  #inString = false;
  #escaped = false;

  /** Refuse a body whose declared length is already past the limit. */
  static checkDeclaredLength(length: number): void {
    if (length > JSON_BODY_LIMITS.bytes) throw tooLarge();
  }

  /** Take the next bytes; throws a 413 or 400 the moment the body is out of bounds. */
  push(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    if (this.#bytes > JSON_BODY_LIMITS.bytes) throw tooLarge();
    this.#scan(chunk);
    try {
      this.#parts.push(this.#decoder.decode(chunk, { stream: true }));
    } catch {
      throw invalid("it is not valid UTF-8");
    }
  }

  /** The parsed body; `{}` when it was empty. */
  finish(): unknown {
    let text: string;
    try {
      text = (this.#parts.join("") + this.#decoder.decode()).trim();
    } catch {
      throw invalid("it is not valid UTF-8");
    }
    this.#parts = [];
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch (error) {
      throw invalid(error instanceof Error ? error.message : String(error));
    }
  }

  #scan(chunk: Uint8Array): void {
    let depth = this.#depth;
    let values = this.#values;
    let inString = this.#inString;
    let escaped = this.#escaped;
    let backslash = -1; // the next backslash at or past `index`, once looked for
    for (let index = 0; index < chunk.length; index++) {
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // Skip to the string's next quote or backslash natively: strings
        // are most of a big body.
        const quote = chunk.indexOf(QUOTE, index);
        if (backslash < index) {
          backslash = chunk.indexOf(BACKSLASH, index);
          if (backslash < 0) backslash = chunk.length; // none left in this chunk
        }
        if (backslash < chunk.length && (quote < 0 || backslash < quote)) {
          escaped = true;
          index = backslash;
        } else if (quote >= 0) {
          inString = false;
          index = quote;
        } else index = chunk.length;
        continue;
      }
      const byte = chunk[index];
      if (byte === QUOTE) inString = true;
      else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
      else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT || byte === COMMA) {
        if (byte !== COMMA && ++depth > JSON_BODY_LIMITS.depth) {
          throw invalid(`it nests more than ${JSON_BODY_LIMITS.depth} levels deep`);
        }
        if (++values > JSON_BODY_LIMITS.values) {
          throw invalid(`it holds more than ${JSON_BODY_LIMITS.values} values`);
        }
      }
    }
    this.#depth = depth;
    this.#values = values;
    this.#inString = inString;
    this.#escaped = escaped;
  }
}

function tooLarge(): PayloadTooLarge {
  return new PayloadTooLarge(
    `the request body is larger than ${JSON_BODY_LIMITS.bytes / (1024 * 1024)} MiB`,
  );
}

function invalid(reason: string): BadRequest {
  return new BadRequest(`invalid JSON in the request body: ${reason}`);
}

/**
 * `body` with its top-level keys spelled as `names` spells them, matched
 * without regard to case, as docker's Go decoder matches them (docker-py
 * sends `detachKeys` in an exec's config, for one). Other keys stay.
 */
export function withFieldNames<T>(body: T, names: readonly string[]): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const canonical = new Map(names.map((name) => [name.toLowerCase(), name]));
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const name = canonical.get(key.toLowerCase()) ?? key;
    // An exact spelling wins over another case of it.
    if (name in result && key !== name) continue;
    result[name] = value;
  }
  return result as T;
}
