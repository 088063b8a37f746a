/**
 * The variable substitution and word splitting docker applies to
 * Dockerfile arguments: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`,
 * single quotes literal, double quotes with `$` expanded, the escape
 * character taking the next one literally.
 * @module
 */

/** A substitution that cannot be made (`${X:?}` of an unset X, a quote left open). */
export class SubstitutionError extends Error {}

/** The value of a variable, undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/** `word` with its variables substituted and its quotes removed. */
export function processWord(word: string, lookup: Lookup, escape = "\\"): string {
  return new Lexer(word, lookup, escape).words(false)[0] ?? "";
}

/** `text` split into words (quotes keep spaces), each substituted. */
export function processWords(text: string, lookup: Lookup, escape = "\\"): string[] {
  return new Lexer(text, lookup, escape).words(true);
}

class Lexer {
  #text: string;
  #pos = 0;
  #lookup: Lookup;
  #escape: string;

  constructor(text: string, lookup: Lookup, escape: string) {
    this.#text = text;
    this.#lookup = lookup;
    this.#escape = escape;
  }

  #peek(): string | undefined {
    return this.#text[this.#pos];
  }

  words(split: boolean): string[] {
    const words: string[] = [];
    let word = "";
    let started = false;
    while (this.#pos < this.#text.length) {
      const ch = this.#text[this.#pos];
      if (split && /\s/.test(ch)) {
        this.#pos++;
        if (started) words.push(word);
        word = "";
        started = false;
        continue;
      }
      started = true;
      word += this.#next(undefined);
    }
    if (started || !split) words.push(word);
    return words;
  }

  /** The text of one unit (a character, a quoted string, a variable) outside double quotes. */
  #next(until: string | undefined): string {
    const ch = this.#text[this.#pos++];
    if (ch === this.#escape) {
      if (this.#pos >= this.#text.length) return ch;
      return this.#text[this.#pos++];
    }
    if (ch === "'") return this.#singleQuoted();
    if (ch === '"') return this.#doubleQuoted();
    if (ch === "$") return this.#dollar(until);
    return ch;
  }

  #singleQuoted(): string {
    const end = this.#text.indexOf("'", this.#pos);
    if (end < 0) {
      throw new SubstitutionError(
        "unexpected end of statement while looking for matching single-quote",
      );
    }
    const value = this.#text.slice(this.#pos, end);
    this.#pos = end + 1;
    return value;
  }

  #doubleQuoted(): string {
    let value = "";
    while (true) {
      const ch = this.#text[this.#pos++];
      if (ch === undefined) {
        throw new SubstitutionError(
          "unexpected end of statement while looking for matching double-quote",
        );
      }
      if (ch === '"') return value;
      if (ch === this.#escape) {
        const following = this.#peek();
        if (following === '"' || following === "$" || following === this.#escape) {
          value += following;
          this.#pos++;
        } else {
          value += ch;
        }
        continue;
      }
      value += ch === "$" ? this.#dollar(undefined) : ch;
    }
  }

  #dollar(until: string | undefined): string {
    const ch = this.#peek();
    if (ch === "{") {
      this.#pos++;
      return this.#braced();
    }
    const name = this.#text.slice(this.#pos).match(/^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/)?.[0];
    if (!name || (until !== undefined && name === until)) return "$";
    this.#pos += name.length;
    return this.#lookup(name) ?? "";
  }

  #braced(): string {
    const name = this.#text.slice(this.#pos).match(/^[A-Za-z_][A-Za-z0-9_]*|^[0-9]+/)?.[0];
    if (!name) throw new SubstitutionError(`bad substitution: \${${this.#text.slice(this.#pos)}`);
    this.#pos += name.length;
    const value = this.#lookup(name);
    if (this.#peek() === "}") {
      this.#pos++;
      return value ?? "";
    }
    let colon = false;
    if (this.#peek() === ":") {
      colon = true;
      this.#pos++;
    }
    const modifier = this.#text[this.#pos++];
    if (!modifier || !"-+?".includes(modifier)) {
      throw new SubstitutionError(`unsupported modifier (${modifier ?? ""}) in substitution`);
    }
    const word = this.#wordUntilBrace();
    const set = colon ? value !== undefined && value !== "" : value !== undefined;
    switch (modifier) {
      case "-":
        return set ? value! : word;
      case "+":
        return set ? word : "";
      default:
        if (!set) throw new SubstitutionError(`${name}: ${word || "is not allowed to be unset"}`);
        return value!;
    }
  }

  /** The modifier's word, up to the closing brace, itself substituted. */
  #wordUntilBrace(): string {
    let word = "";
    while (true) {
      const ch = this.#peek();
      if (ch === undefined) throw new SubstitutionError("syntax error: missing '}'");
      if (ch === "}") {
        this.#pos++;
        return word;
      }
      word += this.#next("}");
    }
  }
}
