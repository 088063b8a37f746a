/**
 * Detach keys: docker's syntax (`ctrl-p,ctrl-q`, `ctrl-a`, `q`); an empty
 * value disables them (as podman allows). A partial match is held back, and
 * let through after a pause, so a lone ctrl-p still reaches the container
 * (moby #32895). Pure: the daemon detaches with it, the CLI uses it to know
 * it detached.
 * @module
 */

/** Docker's default sequence. */
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** How long a partial match is held back before it is passed on. */
export const DETACH_HOLD_MS = 1000;

const CTRL_SPECIAL: Record<string, number> = {
  "@": 0,
  "[": 27,
  "\\": 28,
  "]": 29,
  "^": 30,
  "_": 31,
};

/** Parse docker's detach-keys syntax; an empty string means none (null). */
export function parseDetachKeys(text: string): number[] | null {
  if (text.trim() === "") return null;
  return text.split(",").map((key) => {
    const trimmed = key.trim();
    const ctrl = /^ctrl-(.)$/i.exec(trimmed);
    if (ctrl) {
      const letter = ctrl[1].toLowerCase();
      if (letter >= "a" && letter <= "z") return letter.charCodeAt(0) - 96;
      if (letter in CTRL_SPECIAL) return CTRL_SPECIAL[letter];
    } else if (trimmed.length === 1) {
      return trimmed.charCodeAt(0);
    }
    throw new Error(`Invalid detach keys (${text}) provided: unknown character: '${trimmed}'`);
  });
}

/** What to do with a chunk of stdin. */
export interface ScanResult {
  /** Bytes for the container now. */
  forward: Uint8Array;
  /** The whole sequence was typed: detach. */
  detach: boolean;
}

/** Finds the detach sequence in a stdin stream. */
export class DetachKeyScanner {
  #keys: number[];
  #matched = 0;

  constructor(keys: number[]) {
    this.#keys = keys;
  }

  /** Bytes of a partial match, held back. */
  get held(): number {
    return this.#matched;
  }

  /** Feed stdin; bytes after a completed sequence are dropped. */
  push(chunk: Uint8Array): ScanResult {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.#keys[this.#matched]) {
        if (++this.#matched === this.#keys.length) {
          this.#matched = 0;
          return { forward: new Uint8Array(out), detach: true };
        }
        continue;
      }
      if (this.#matched > 0) {
        out.push(...this.#keys.slice(0, this.#matched));
        this.#matched = 0;
      }
      if (byte === this.#keys[0]) {
        if (this.#keys.length === 1) return { forward: new Uint8Array(out), detach: true };
        this.#matched = 1;
      } else {
        out.push(byte);
      }
    }
    return { forward: new Uint8Array(out), detach: false };
  }

  /** Give up a partial match: its bytes, for the container. */
  flush(): Uint8Array {
    const held = new Uint8Array(this.#keys.slice(0, this.#matched));
    this.#matched = 0;
    return held;
  }
}
