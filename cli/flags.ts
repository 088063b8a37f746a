/**
 * Docker-style command-line flags: `-d`, `--detach`, `--detach=false`,
 * grouped shorts `-it`, values as `-e X`, `-eX`, `--env X`, `--env=X`,
 * repeated list flags, `--` to end flags, and (for run, create, exec)
 * flag parsing that stops at the first positional argument.
 * @module
 */

/** One flag of a command. */
export interface FlagSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  type: "bool" | "string" | "list" | "int";
  description: string;
  /** Default for display and for string/int flags. */
  default?: string | number | boolean;
  /** Placeholder for the value in help. */
  value?: string;
}

/** Parsed flags and positional arguments. */
export interface ParsedFlags {
  values: Map<string, string | boolean | number | string[]>;
  positionals: string[];
}

/** A usage error: docker prints it with the help hint and exits 125. */
export class UsageError extends Error {}

/** Parse `args` against `specs`. */
export function parseFlags(
  args: string[],
  specs: FlagSpec[],
  options: { stopAtPositional?: boolean } = {},
): ParsedFlags {
  const byLong = new Map(specs.map((spec) => [spec.name, spec]));
  const byShort = new Map(specs.filter((spec) => spec.short).map((spec) => [spec.short!, spec]));
  const values: ParsedFlags["values"] = new Map();
  const positionals: string[] = [];

  const set = (spec: FlagSpec, raw: string | boolean, shown: string) => {
    if (spec.type === "bool") {
      if (typeof raw === "boolean") return values.set(spec.name, raw);
      if (!["true", "false", "1", "0"].includes(raw)) {
        throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: invalid syntax`);
      }
      return values.set(spec.name, raw === "true" || raw === "1");
    }
    const text = String(raw);
    if (spec.type === "int") {
      if (!/^-?\d+$/.test(text)) {
        throw new UsageError(`invalid argument "${text}" for "${shown}" flag: invalid syntax`);
      }
      return values.set(spec.name, Number(text));
    }
    if (spec.type === "list") {
      const list = (values.get(spec.name) as string[] | undefined) ?? [];
      return values.set(spec.name, [...list, text]);
    }
    values.set(spec.name, text);
  };

  let index = 0;
  const takeValue = (shown: string): string => {
    if (index + 1 >= args.length) throw new UsageError(`flag needs an argument: ${shown}`);
    return args[++index];
  };

  for (; index < args.length; index++) {
    const arg = args[index];
    if (arg === "--") {
      positionals.push(...args.slice(index + 1));
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, arg.slice(eq + 1), `--${name}`);
      else if (spec.type === "bool") set(spec, true, `--${name}`);
      else set(spec, takeValue(`--${name}`), `--${name}`);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let position = 1; position < arg.length; position++) {
        const letter = arg[position];
        const spec = byShort.get(letter);
        if (!spec) {
          throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`);
        }
        const shown = `-${letter}, --${spec.name}`;
        if (spec.type === "bool") {
          if (arg[position + 1] === "=") {
            set(spec, arg.slice(position + 2), shown);
            break;
          }
          set(spec, true, shown);
          continue;
        }
        const rest = arg.slice(position + 1);
        if (rest) set(spec, rest.startsWith("=") ? rest.slice(1) : rest, shown);
        else set(spec, takeValue(shown), shown);
        break;
      }
      continue;
    }
    positionals.push(arg);
    if (options.stopAtPositional) {
      positionals.push(...args.slice(index + 1));
      break;
    }
  }
  return { values, positionals };
}

/** Typed access to parsed flags. */
export class Flags {
  constructor(readonly parsed: ParsedFlags, readonly specs: FlagSpec[]) {}

  bool(name: string): boolean {
    const value = this.parsed.values.get(name);
    if (value === undefined) return Boolean(this.#spec(name).default);
    return value === true;
  }

  string(name: string): string | undefined {
    const value = this.parsed.values.get(name);
    if (value === undefined) {
      const fallback = this.#spec(name).default;
      return fallback === undefined ? undefined : String(fallback);
    }
    return String(value);
  }

  int(name: string): number | undefined {
    const value = this.parsed.values.get(name);
    if (value === undefined) {
      const fallback = this.#spec(name).default;
      return typeof fallback === "number" ? fallback : undefined;
    }
    return value as number;
  }

  list(name: string): string[] {
    return (this.parsed.values.get(name) as string[] | undefined) ?? [];
  }

  /** True when the flag was given on the command line. */
  has(name: string): boolean {
    return this.parsed.values.has(name);
  }

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  #spec(name: string): FlagSpec {
    const spec = this.specs.find((candidate) => candidate.name === name);
    if (!spec) throw new Error(`no flag --${name}`);
    return spec;
  }
}

/** The help text of a command. */
export function helpText(usage: string, description: string, specs: FlagSpec[]): string {
  const lines = [`Usage:  berth ${usage}`, "", description];
  if (specs.length) {
    lines.push("", "Options:");
    const rows = specs.map((spec) => {
      const names = (spec.short ? `-${spec.short}, ` : "    ") + `--${spec.name}` +
        (spec.type === "bool" ? "" : ` ${spec.value ?? spec.type}`);
      const fallback = spec.default !== undefined && spec.default !== "" && spec.default !== false
        ? ` (default ${JSON.stringify(spec.default)})`
        : "";
      return [names, spec.description + fallback];
    });
    const width = Math.max(...rows.map(([names]) => names.length));
    for (const [names, text] of rows) lines.push(`  ${names.padEnd(width)}   ${text}`);
  }
  return lines.join("\n");
}

/** `KEY=value` entries (`KEY` alone means an empty value) as an object; `what` names them in errors. */
export function keyValues(entries: string[], what: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const index = entry.indexOf("=");
    if (index === 0) throw new UsageError(`invalid ${what} '${entry}': empty name`);
    if (index < 0) result[entry] = "";
    else result[entry.slice(0, index)] = entry.slice(index + 1);
  }
  return result;
}
