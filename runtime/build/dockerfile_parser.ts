/**
 * A Dockerfile as instructions, parsed by docker's rules: parser
 * directives (`escape`, `syntax`) before anything else, comments, line
 * continuations with the escape character, leading `--flag=value` flags,
 * and the exec (JSON array) form where an instruction takes one.
 * @module
 */

/** A Dockerfile the builder cannot read; the message says where. */
export class DockerfileError extends Error {}

/** One instruction as written. */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, ... */
  keyword: string;
  /** `--name=value` flags before the arguments (a bare `--name` is "true"). */
  flags: Map<string, string>;
  /** The arguments of the exec form (`["a", "b"]`), when written so. */
  json?: string[];
  /** The arguments after the flags, lines joined. */
  rest: string;
  /** Flags and arguments as written (lines joined), for the step display. */
  text: string;
  /** Line of the instruction's first line (1-based). */
  line: number;
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  escape: string;
  /** The `syntax` directive, if any (berth builds with its own frontend). */
  syntax?: string;
  instructions: Instruction[];
}

/** Every instruction of docker's reference. */
export const KEYWORDS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** Instructions whose arguments may be a JSON array. */
const JSON_FORMS = new Set(["ADD", "COPY", "RUN", "CMD", "ENTRYPOINT", "SHELL", "VOLUME"]);

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC = /(^|\s)<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?(\s|$)/;

/** Parse a Dockerfile's text. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let escape = "\\";
  let syntax: string | undefined;
  let index = 0;
  const seen = new Set<string>();
  for (; index < lines.length; index++) {
    const match = lines[index].trim().match(DIRECTIVE);
    if (!match) break;
    const name = match[1].toLowerCase();
    if (seen.has(name)) {
      throw new DockerfileError(`only one ${name} parser directive can be used`);
    }
    seen.add(name);
    if (name === "escape") {
      if (match[2] !== "\\" && match[2] !== "`") {
        throw new DockerfileError(`invalid escape token '${match[2]}' does not validate`);
      }
      escape = match[2];
    } else if (name === "syntax") {
      syntax = match[2];
    }
  }
  const continuation = new RegExp(`${escape === "\\" ? "\\\\" : "`"}[ \\t]*$`);
  const instructions: Instruction[] = [];
  while (index < lines.length) {
    const first = lines[index];
    index++;
    if (isBlankOrComment(first)) continue;
    const line = index;
    let joined = first.trimStart();
    while (continuation.test(joined) && index < lines.length) {
      joined = joined.replace(continuation, "");
      // Comment and blank lines inside a continued instruction are left out.
      while (index < lines.length && isBlankOrComment(lines[index])) index++;
      if (index >= lines.length) break;
      joined += lines[index];
      index++;
    }
    if (continuation.test(joined)) joined = joined.replace(continuation, "");
    instructions.push(parseInstruction(joined.trim(), line));
  }
  return { escape, ...(syntax ? { syntax } : {}), instructions };
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("#");
}

/** One logical line as an instruction. */
export function parseInstruction(text: string, line: number): Instruction {
  const match = text.match(/^(\S+)\s*([\s\S]*)$/)!;
  const keyword = match[1].toUpperCase();
  if (!KEYWORDS.has(keyword)) {
    throw new DockerfileError(
      `dockerfile parse error line ${line}: unknown instruction: ${match[1]}`,
    );
  }
  const after = match[2];
  const flags = new Map<string, string>();
  let rest = after;
  // Leading --flags (ONBUILD's belong to the instruction it holds).
  while (keyword !== "ONBUILD") {
    const flag = rest.match(/^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/);
    if (!flag) break;
    flags.set(flag[1].toLowerCase(), flag[2] ?? "true");
    rest = rest.slice(flag[0].length);
  }
  rest = rest.trim();
  if ((keyword === "RUN" || keyword === "COPY" || keyword === "ADD") && HEREDOC.test(rest)) {
    throw new DockerfileError(
      `dockerfile parse error line ${line}: heredocs (${keyword} <<WORD) are not ` +
        "supported by berth's builder: write the content to a file in the context instead",
    );
  }
  const instruction: Instruction = { keyword, flags, rest, text: after.trim(), line };
  if (JSON_FORMS.has(keyword)) {
    const json = jsonArray(rest);
    if (json) instruction.json = json;
  }
  return instruction;
}

/** `text` as a JSON array of strings, or undefined when it is not one. */
export function jsonArray(text: string): string[] | undefined {
  if (!text.startsWith("[")) return undefined;
  try {
    const value = JSON.parse(text);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  } catch {
    // the shell form, as docker takes it
  }
  return undefined;
}
