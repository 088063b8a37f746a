/**
 * The subset of Go's text/template that `--format` and `inspect -f` use:
 * field chains (`.State.Status`), variables, pipelines, `if`/`else`,
 * `range` (with `$k, $v :=`), `with`, and docker's functions (json, join,
 * split, index, len, upper, lower, title, truncate, pad, println, printf).
 * Values print as Go prints them: `map[a:1]`, `[x y]`, `<nil>`.
 * @module
 */

/** A template error (bad syntax or a failed evaluation). */
export class TemplateError extends Error {}

type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipeline: string }
  | { kind: "if"; pipeline: string; then: Node[]; otherwise: Node[] }
  | { kind: "with"; pipeline: string; then: Node[]; otherwise: Node[] }
  | {
    kind: "range";
    pipeline: string;
    keyVar?: string;
    valueVar?: string;
    body: Node[];
    otherwise: Node[];
  };

type Token = { kind: "text"; text: string } | { kind: "action"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < source.length) {
    const open = source.indexOf("{{", position);
    if (open < 0) {
      tokens.push({ kind: "text", text: source.slice(position) });
      break;
    }
    let text = source.slice(position, open);
    const close = source.indexOf("}}", open);
    if (close < 0) throw new TemplateError("unclosed action");
    let inner = source.slice(open + 2, close);
    if (inner.startsWith("-")) {
      text = text.replace(/\s+$/, "");
      inner = inner.slice(1);
    }
    let next = close + 2;
    if (inner.endsWith("-")) {
      inner = inner.slice(0, -1);
      const rest = source.slice(next);
      next += rest.length - rest.replace(/^\s+/, "").length;
    }
    if (text) tokens.push({ kind: "text", text });
    tokens.push({ kind: "action", text: inner.trim() });
    position = next;
  }
  return tokens;
}

function parse(tokens: Token[]): Node[] {
  let index = 0;
  const block = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (index < tokens.length) {
      const token = tokens[index++];
      if (token.kind === "text") {
        nodes.push({ kind: "text", text: token.text });
        continue;
      }
      const text = token.text;
      const word = text.split(/\s+/)[0];
      if (terminators.includes(word)) return { nodes, end: text };
      if (text.startsWith("/*")) continue;
      if (word === "if" || word === "with") {
        const pipeline = text.slice(word.length).trim();
        const then = block(["else", "end"]);
        let otherwise: Node[] = [];
        if (then.end.startsWith("else")) otherwise = block(["end"]).nodes;
        nodes.push({ kind: word, pipeline, then: then.nodes, otherwise });
        continue;
      }
      if (word === "range") {
        let pipeline = text.slice(5).trim();
        let keyVar: string | undefined, valueVar: string | undefined;
        const declared = /^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*(.*)$/.exec(pipeline);
        if (declared) {
          if (declared[2]) [keyVar, valueVar] = [declared[1], declared[2]];
          else valueVar = declared[1];
          pipeline = declared[3];
        }
        const body = block(["else", "end"]);
        let otherwise: Node[] = [];
        if (body.end.startsWith("else")) otherwise = block(["end"]).nodes;
        nodes.push({ kind: "range", pipeline, keyVar, valueVar, body: body.nodes, otherwise });
        continue;
      }
      nodes.push({ kind: "action", pipeline: text });
    }
    if (terminators.length) throw new TemplateError(`missing {{end}}`);
    return { nodes, end: "" };
  };
  return block([]).nodes;
}

/** Split a command into words, keeping quoted strings and parentheses together. */
function words(text: string): string[] {
  const out: string[] = [];
  let position = 0;
  while (position < text.length) {
    const char = text[position];
    if (/\s/.test(char)) {
      position++;
      continue;
    }
    if (char === '"' || char === "`") {
      let end = position + 1;
      while (end < text.length && text[end] !== char) {
        end += text[end] === "\\" && char === '"' ? 2 : 1;
      }
      out.push(text.slice(position, end + 1));
      position = end + 1;
      continue;
    }
    if (char === "(") {
      let depth = 0, end = position;
      for (; end < text.length; end++) {
        if (text[end] === "(") depth++;
        if (text[end] === ")" && --depth === 0) break;
      }
      // A field chain right after the parenthesis belongs to it: `(index .M 0).Source`.
      end++;
      while (end < text.length && !/[\s()]/.test(text[end])) end++;
      out.push(text.slice(position, end));
      position = end;
      continue;
    }
    let end = position;
    while (end < text.length && !/\s/.test(text[end])) end++;
    out.push(text.slice(position, end));
    position = end;
  }
  return out;
}

/** Go's default formatting of a value. */
export function goString(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(goString).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a.localeCompare(b)
    );
    return `map[${entries.map(([key, item]) => `${key}:${goString(item)}`).join(" ")}]`;
  }
  return String(value);
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

function printf(format: string, ...args: unknown[]): string {
  let index = 0;
  return format.replace(/%([-+ 0#]*\d*)([svdqt%])/g, (_, __, verb) => {
    if (verb === "%") return "%";
    const arg = args[index++];
    if (verb === "q") return JSON.stringify(goString(arg));
    if (verb === "d") return String(Math.trunc(Number(arg)));
    return goString(arg);
  });
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  json: (value) => JSON.stringify(value ?? null),
  join: (list, separator) =>
    (Array.isArray(list) ? list.map(goString) : []).join(String(separator)),
  split: (text, separator) => String(text).split(String(separator)),
  index: (collection, ...keys) => {
    let value = collection;
    for (const key of keys) {
      if (value === null || value === undefined) return undefined;
      value = (value as Record<string, unknown>)[key as string];
    }
    return value;
  },
  len: (value) =>
    Array.isArray(value) || typeof value === "string"
      ? value.length
      : value && typeof value === "object"
      ? Object.keys(value).length
      : 0,
  upper: (text) => goString(text).toUpperCase(),
  lower: (text) => goString(text).toLowerCase(),
  title: (text) => goString(text).replace(/\b\w/g, (letter) => letter.toUpperCase()),
  truncate: (text, length) => goString(text).slice(0, Number(length)),
  pad: (text, before, after) =>
    " ".repeat(Number(before)) + goString(text) + " ".repeat(Number(after)),
  println: (...args) => args.map(goString).join(" ") + "\n",
  print: (...args) => args.map(goString).join(""),
  printf: (format, ...args) => printf(String(format), ...args),
  eq: (a, ...others) => others.some((other) => a === other),
  ne: (a, b) => a !== b,
  not: (value) => !truthy(value),
  and: (...values) => values.every(truthy),
  or: (...values) => values.find(truthy) ?? values.at(-1),
};

class Scope {
  constructor(readonly dot: unknown, readonly vars: Map<string, unknown>) {}
  with(dot: unknown, extra?: Record<string, unknown>): Scope {
    const vars = new Map(this.vars);
    for (const [key, value] of Object.entries(extra ?? {})) vars.set(key, value);
    return new Scope(dot, vars);
  }
}

function fieldChain(base: unknown, chain: string, args: unknown[]): unknown {
  let value = base;
  const parts = chain.split(".").filter(Boolean);
  for (const [position, part] of parts.entries()) {
    if (value === null || value === undefined) {
      throw new TemplateError(`nil pointer evaluating .${parts.slice(0, position + 1).join(".")}`);
    }
    if (typeof value !== "object") {
      throw new TemplateError(`can't evaluate field ${part} in ${typeof value}`);
    }
    const record = value as Record<string, unknown>;
    if (!(part in record)) throw new TemplateError(`can't evaluate field ${part}`);
    value = record[part];
    if (typeof value === "function") {
      value = position === parts.length - 1 ? value(...args) : value();
    }
  }
  return value;
}

function evaluateArg(word: string, scope: Scope): unknown {
  if (word.startsWith('"')) return JSON.parse(word);
  if (word.startsWith("`")) return word.slice(1, -1);
  if (word.startsWith("(")) {
    const close = word.lastIndexOf(")");
    const value = evaluatePipeline(word.slice(1, close), scope);
    const chain = word.slice(close + 1);
    return chain ? fieldChain(value, chain, []) : value;
  }
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  if (word === "true" || word === "false") return word === "true";
  if (word === "nil") return null;
  if (word === ".") return scope.dot;
  if (word.startsWith(".")) return fieldChain(scope.dot, word, []);
  if (word.startsWith("$")) {
    const [name, ...rest] = word.split(".");
    const base = name === "$" ? scope.vars.get("$") : scope.vars.get(name);
    if (!scope.vars.has(name) && name !== "$") {
      throw new TemplateError(`undefined variable: ${name}`);
    }
    return rest.length ? fieldChain(base, "." + rest.join("."), []) : base;
  }
  if (word in FUNCTIONS) return FUNCTIONS[word]();
  throw new TemplateError(`function "${word}" not defined`);
}

function evaluateCommand(text: string, scope: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = words(text);
  if (head === undefined) throw new TemplateError("missing value for command");
  const args = [...rest.map((word) => evaluateArg(word, scope)), ...piped];
  if (head in FUNCTIONS) return FUNCTIONS[head](...args);
  if (head.startsWith(".") && head.length > 1) return fieldChain(scope.dot, head, args);
  if (/^[A-Za-z_]\w*$/.test(head) && !["true", "false", "nil"].includes(head)) {
    throw new TemplateError(`function "${head}" not defined`);
  }
  if (args.length) throw new TemplateError(`can't give argument to non-function ${head}`);
  return evaluateArg(head, scope);
}

function evaluatePipeline(pipeline: string, scope: Scope): unknown {
  const commands: string[] = [];
  let depth = 0, quote = "", start = 0;
  for (let index = 0; index < pipeline.length; index++) {
    const char = pipeline[index];
    if (quote) {
      if (char === "\\") index++;
      else if (char === quote) quote = "";
    } else if (char === '"' || char === "`") quote = char;
    else if (char === "(") depth++;
    else if (char === ")") depth--;
    else if (char === "|" && depth === 0) {
      commands.push(pipeline.slice(start, index));
      start = index + 1;
    }
  }
  commands.push(pipeline.slice(start));
  let value: unknown;
  commands.forEach((command, index) => {
    value = evaluateCommand(command.trim(), scope, index === 0 ? [] : [value]);
  });
  return value;
}

function render(nodes: Node[], scope: Scope): string {
  let out = "";
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        out += node.text;
        break;
      case "action": {
        const declare = /^(\$\w+)\s*:=\s*(.*)$/.exec(node.pipeline);
        if (declare) {
          scope.vars.set(declare[1], evaluatePipeline(declare[2], scope));
          break;
        }
        out += goString(evaluatePipeline(node.pipeline, scope));
        break;
      }
      case "if": {
        const value = evaluatePipeline(node.pipeline, scope);
        out += render(truthy(value) ? node.then : node.otherwise, scope);
        break;
      }
      case "with": {
        const value = evaluatePipeline(node.pipeline, scope);
        out += truthy(value) ? render(node.then, scope.with(value)) : render(node.otherwise, scope);
        break;
      }
      case "range": {
        const value = evaluatePipeline(node.pipeline, scope);
        const entries: [unknown, unknown][] = Array.isArray(value)
          ? value.map((item, index) => [index, item])
          : value && typeof value === "object"
          ? Object.entries(value).sort(([a], [b]) => a.localeCompare(b))
          : [];
        if (entries.length === 0) {
          out += render(node.otherwise, scope);
          break;
        }
        for (const [key, item] of entries) {
          const extra: Record<string, unknown> = {};
          if (node.keyVar) extra[node.keyVar] = key;
          if (node.valueVar) extra[node.valueVar] = item;
          out += render(node.body, scope.with(item, extra));
        }
        break;
      }
    }
  }
  return out;
}

/** A parsed template, ready to execute on values. */
export class GoTemplate {
  #nodes: Node[];

  constructor(source: string) {
    this.#nodes = parse(tokenize(source));
  }

  /** Render for `data`. */
  execute(data: unknown): string {
    return render(this.#nodes, new Scope(data, new Map([["$", data]])));
  }
}
