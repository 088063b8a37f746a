/**
 * `.dockerignore` patterns by docker's rules (moby/patternmatcher): one
 * pattern a line, `#` comments, paths cleaned and taken from the context's
 * root, `*` and `?` within one path component, `**` across any number of
 * them, `!` re-including what an earlier pattern left out, the last
 * matching pattern deciding. A pattern that matches a directory leaves out
 * everything under it.
 * @module
 */

interface Pattern {
  exclusion: boolean;
  regex: RegExp;
}

/** The patterns of a `.dockerignore` file's text. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    let invert = false;
    if (line.startsWith("!")) {
      invert = true;
      line = line.slice(1).trim();
    }
    if (!line) continue;
    line = cleanPath(line).replace(/^\/+/, "");
    if (!line) continue;
    patterns.push(invert ? `!${line}` : line);
  }
  return patterns;
}

/** A slash path without `.` and `..` components, doubled or trailing slashes. */
export function cleanPath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length && parts[parts.length - 1] !== "..") parts.pop();
      else if (!absolute) parts.push("..");
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

function compile(pattern: string): RegExp {
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        source += i + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else {
        source += "[^/]*";
      }
    } else if (ch === "?") {
      source += "[^/]";
    } else if (ch === "\\" && i + 1 < pattern.length) {
      i++;
      source += escapeRegex(pattern[i]);
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) {
        source += "\\[";
        continue;
      }
      let set = pattern.slice(i + 1, end);
      if (set.startsWith("^") || set.startsWith("!")) set = `^${set.slice(1)}`;
      source += `[${set.replaceAll("\\", "\\\\")}]`;
      i = end;
    } else {
      source += escapeRegex(ch);
    }
  }
  return new RegExp(`${source}$`);
}

function escapeRegex(ch: string): string {
  return /[.+^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Decides what a context leaves out. */
export class IgnoreMatcher {
  #patterns: Pattern[];

  constructor(patterns: string[]) {
    this.#patterns = patterns.map((text) => {
      const exclusion = text.startsWith("!");
      return { exclusion, regex: compile(exclusion ? text.slice(1) : text) };
    });
  }

  /** Whether some pattern re-includes (`!`): excluded directories must then be walked. */
  get hasExceptions(): boolean {
    return this.#patterns.some((pattern) => pattern.exclusion);
  }

  /** Whether the context leaves out `path` (relative to its root, slash separated). */
  excludes(path: string): boolean {
    const file = cleanPath(path);
    const parents = file.split("/").slice(0, -1);
    let matched = false;
    for (const pattern of this.#patterns) {
      // Only a pattern that could change the verdict is tried.
      if (pattern.exclusion !== matched) continue;
      let match = pattern.regex.test(file);
      for (let i = 1; !match && i <= parents.length; i++) {
        match = pattern.regex.test(parents.slice(0, i).join("/"));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}
