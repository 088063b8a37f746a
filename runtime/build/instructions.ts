/**
 * What each Dockerfile instruction that only changes the image's config
 * does to it (ENV, LABEL, CMD, ENTRYPOINT, EXPOSE, VOLUME, USER, WORKDIR,
 * SHELL, STOPSIGNAL, HEALTHCHECK, ONBUILD, MAINTAINER), and the history
 * text docker's classic builder records for it. Pure: no files, no
 * containers.
 * @module
 */

import { parseGoDuration } from "../../lib/units.ts";
import type { ImageRunConfig } from "../images/image_config.ts";
import { DockerfileError, type Instruction, KEYWORDS } from "./dockerfile_parser.ts";
import { type Lookup, processWord, processWords } from "./shell_words.ts";

/** The shell of shell-form instructions unless SHELL says otherwise. */
export const DEFAULT_SHELL = ["/bin/sh", "-c"];

/** What a build stage carries from step to step besides the image. */
export interface StageConfig {
  run: ImageRunConfig;
  author?: string;
  shell: string[];
  /** CMD was given in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  escape: string;
}

/** A flag an instruction does not take, in docker's words. */
export function checkFlags(instruction: Instruction, allowed: string[]): void {
  for (const name of instruction.flags.keys()) {
    if (!allowed.includes(name)) {
      throw new DockerfileError(`Unknown flag: ${name}`);
    }
  }
}

/** `KEY=VALUE` pairs of ENV and LABEL (or the legacy `KEY VALUE`), substituted. */
export function nameValuePairs(
  instruction: Instruction,
  lookup: Lookup,
  escape: string,
): [string, string][] {
  const keyword = instruction.keyword;
  const words = rawWords(instruction.rest, escape);
  if (words.length === 0) throw new DockerfileError(`${keyword} requires at least one argument`);
  if (!words[0].includes("=")) {
    // The legacy form: one name, the rest of the line its value.
    const name = words[0];
    const value = instruction.rest.slice(instruction.rest.indexOf(name) + name.length).trim();
    if (!value) throw new DockerfileError(`${keyword} must have two arguments`);
    return [[processWord(name, lookup, escape), processWord(value, lookup, escape)]];
  }
  return words.map((word) => {
    const equals = word.indexOf("=");
    if (equals < 0) {
      throw new DockerfileError(
        `Syntax error - can't find = in "${word}". Must be of the form: name=value`,
      );
    }
    if (equals === 0) throw new DockerfileError(`${keyword} names can not be blank`);
    return [
      processWord(word.slice(0, equals), lookup, escape),
      processWord(word.slice(equals + 1), lookup, escape),
    ];
  });
}

/** Split on whitespace outside quotes, keeping quotes and escapes for the substitution. */
export function rawWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      word += ch + text[++i];
      continue;
    }
    if (quote) {
      if (ch === quote) quote = undefined;
      word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (word) words.push(word);
      word = "";
      continue;
    }
    word += ch;
  }
  if (word) words.push(word);
  return words;
}

/** The command of RUN, CMD or ENTRYPOINT: the exec form as given, the shell form through SHELL. */
export function commandOf(instruction: Instruction, shell: string[]): string[] {
  return instruction.json ?? [...shell, instruction.rest];
}

/** A path as docker's WORKDIR takes it: relative to the current one, cleaned. */
export function workdirPath(current: string | undefined, path: string): string {
  const joined = path.startsWith("/") ? path : `${current || "/"}/${path}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** EXPOSE's words as port keys: `80` → `80/tcp`, `8000-8002/udp` → three. */
export function exposedPorts(words: string[]): string[] {
  const ports: string[] = [];
  for (const word of words) {
    const match = word.match(/^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i);
    if (!match) throw new DockerfileError(`Invalid containerPort: ${word}`);
    const first = Number(match[1]);
    const last = match[2] ? Number(match[2]) : first;
    if (first < 1 || last > 65535 || last < first) {
      throw new DockerfileError(`Invalid containerPort: ${word}`);
    }
    for (let port = first; port <= last; port++) {
      ports.push(`${port}/${(match[3] ?? "tcp").toLowerCase()}`);
    }
  }
  return ports;
}

function durationFlag(instruction: Instruction, name: string): number | undefined {
  const text = instruction.flags.get(name);
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text);
  if (ms === undefined) throw new DockerfileError(`time: invalid duration "${text}"`);
  if (ms !== 0 && ms < 1) {
    throw new DockerfileError(`Interval "${name}" cannot be less than 1ms`);
  }
  return Math.round(ms * 1e6);
}

/** HEALTHCHECK's check: `NONE`, or `[flags] CMD command`. */
export function healthcheck(instruction: Instruction): Record<string, unknown> {
  const words = instruction.rest.split(/\s+/);
  const type = words[0]?.toUpperCase();
  if (type === "NONE") {
    if (words.length > 1 || instruction.flags.size) {
      throw new DockerfileError("HEALTHCHECK NONE takes no arguments");
    }
    return { Test: ["NONE"] };
  }
  if (type !== "CMD") {
    throw new DockerfileError(`Unknown type "${words[0] ?? ""}" in HEALTHCHECK (try CMD)`);
  }
  checkFlags(instruction, ["interval", "timeout", "start-period", "start-interval", "retries"]);
  const command = instruction.rest.slice(words[0].length).trim();
  let test: string[];
  try {
    const json = JSON.parse(command);
    if (!Array.isArray(json) || !json.every((item) => typeof item === "string")) throw 0;
    test = ["CMD", ...json];
  } catch {
    test = ["CMD-SHELL", command];
  }
  if (test.length < 2 || !test[1]) {
    throw new DockerfileError("Missing command after HEALTHCHECK CMD");
  }
  const check: Record<string, unknown> = { Test: test };
  const fields: [string, string][] = [
    ["interval", "Interval"],
    ["timeout", "Timeout"],
    ["start-period", "StartPeriod"],
    ["start-interval", "StartInterval"],
  ];
  for (const [flag, field] of fields) {
    const value = durationFlag(instruction, flag);
    if (value !== undefined) check[field] = value;
  }
  const retries = instruction.flags.get("retries");
  if (retries !== undefined) {
    if (!/^\d+$/.test(retries) || Number(retries) < 1) {
      throw new DockerfileError("--retries cannot be 0 or negative");
    }
    check.Retries = Number(retries);
  }
  return check;
}

/** JSON as docker's history shows a command: `["a" "b"]`. */
function goList(items: string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(" ")}]`;
}

/**
 * Apply a config-only instruction to `stage`; returns the history's
 * `created_by` for it. `lookup` substitutes variables (ENV over ARG).
 */
export function applyConfigInstruction(
  stage: StageConfig,
  instruction: Instruction,
  lookup: Lookup,
): string {
  const { run, escape } = stage;
  const nop = (text: string) => `/bin/sh -c #(nop) ${text}`;
  const words = () => processWords(instruction.rest, lookup, escape);
  const keyword = instruction.keyword;
  if (keyword !== "HEALTHCHECK") checkFlags(instruction, []);
  switch (keyword) {
    case "ENV": {
      const pairs = nameValuePairs(instruction, lookup, escape);
      let env = run.Env ?? [];
      for (const [name, value] of pairs) {
        env = [...env.filter((entry) => entry.split("=")[0] !== name), `${name}=${value}`];
      }
      run.Env = env;
      return nop(`ENV ${pairs.map(([name, value]) => `${name}=${value}`).join(" ")}`);
    }
    case "LABEL": {
      const pairs = nameValuePairs(instruction, lookup, escape);
      run.Labels = { ...run.Labels, ...Object.fromEntries(pairs) };
      return nop(`LABEL ${pairs.map(([name, value]) => `${name}=${value}`).join(" ")}`);
    }
    case "MAINTAINER":
      stage.author = instruction.rest;
      return nop(`MAINTAINER ${instruction.rest}`);
    case "CMD":
      run.Cmd = commandOf(instruction, stage.shell);
      stage.cmdSet = true;
      return nop(`CMD ${goList(run.Cmd)}`);
    case "ENTRYPOINT":
      run.Entrypoint = instruction.json ??
        (instruction.rest ? [...stage.shell, instruction.rest] : null);
      if (!stage.cmdSet) run.Cmd = null;
      return nop(`ENTRYPOINT ${goList(run.Entrypoint ?? [])}`);
    case "EXPOSE": {
      const ports = exposedPorts(words());
      if (ports.length === 0) throw new DockerfileError("EXPOSE requires at least one argument");
      run.ExposedPorts = { ...run.ExposedPorts, ...Object.fromEntries(ports.map((p) => [p, {}])) };
      return nop(`EXPOSE ${ports.join(" ")}`);
    }
    case "VOLUME": {
      const paths = instruction.json?.map((path) => processWord(path, lookup, escape)) ?? words();
      if (paths.length === 0 || paths.some((path) => !path.trim())) {
        throw new DockerfileError("VOLUME specified can not be an empty string");
      }
      run.Volumes = { ...run.Volumes, ...Object.fromEntries(paths.map((path) => [path, {}])) };
      return nop(`VOLUME ${goList(paths)}`);
    }
    case "USER": {
      const user = processWord(instruction.rest, lookup, escape);
      if (!user) throw new DockerfileError("USER requires exactly one argument");
      run.User = user;
      return nop(`USER ${user}`);
    }
    case "WORKDIR": {
      const path = processWord(instruction.rest, lookup, escape);
      if (!path) throw new DockerfileError("WORKDIR requires exactly one argument");
      run.WorkingDir = workdirPath(run.WorkingDir, path);
      return nop(`WORKDIR ${run.WorkingDir}`);
    }
    case "SHELL":
      if (!instruction.json?.length) {
        throw new DockerfileError("SHELL requires the arguments to be in JSON form");
      }
      stage.shell = instruction.json;
      return nop(`SHELL ${goList(stage.shell)}`);
    case "STOPSIGNAL": {
      const signal = processWord(instruction.rest, lookup, escape);
      if (!/^(SIG)?[A-Z0-9+-]+$/i.test(signal)) {
        throw new DockerfileError(`Invalid signal: ${signal}`);
      }
      run.StopSignal = signal;
      return nop(`STOPSIGNAL ${signal}`);
    }
    case "HEALTHCHECK": {
      const check = healthcheck(instruction);
      run.Healthcheck = check;
      return nop(`HEALTHCHECK &{${goList(check.Test as string[])}}`);
    }
    case "ONBUILD": {
      const trigger = instruction.rest.match(/^(\S+)/)?.[1]?.toUpperCase() ?? "";
      if (trigger === "ONBUILD") {
        throw new DockerfileError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      }
      if (trigger === "FROM" || trigger === "MAINTAINER") {
        throw new DockerfileError(`${trigger} isn't allowed as an ONBUILD trigger`);
      }
      if (!KEYWORDS.has(trigger)) {
        throw new DockerfileError(`unknown instruction: ${trigger || "(none)"}`);
      }
      const text = `${trigger}${instruction.rest.slice(trigger.length)}`;
      run.OnBuild = [...(run.OnBuild ?? []), text];
      return nop(`ONBUILD ${text}`);
    }
  }
  throw new DockerfileError(`${keyword} is not a config instruction`);
}
