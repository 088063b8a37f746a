/**
 * Pulling through the API and showing docker's progress messages: on a
 * terminal one line per layer, redrawn in place with a progress bar;
 * elsewhere one line per change of status (no download ticks).
 * @module
 */

import type { ApiClient } from "./api_client.ts";
import { registryAuthHeader } from "./registry_config.ts";
import { errLine, errOut, out } from "./output.ts";

/** One of docker's JSON progress messages. */
export interface ProgressMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
}

const BAR_WIDTH = 40;

/** "[=====>     ]  12.3MB/40.1MB" */
export function progressBar(current: number, total: number): string {
  const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)}MB`;
  if (!total) return megabytes(current);
  const filled = Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH));
  const bar = "=".repeat(Math.max(0, filled - 1)) + (filled ? ">" : "") +
    " ".repeat(BAR_WIDTH - filled);
  return `[${bar}]  ${megabytes(current)}/${megabytes(total)}`;
}

/** Renders messages as they come, to `write`. */
export class PullProgress {
  #terminal: boolean;
  #write: (text: string) => void;
  #lines: string[] = [];
  #rows = new Map<string, number>();
  #lastStatus = new Map<string, string>();

  constructor(terminal: boolean, write: (text: string) => void) {
    this.#terminal = terminal;
    this.#write = write;
  }

  show(message: ProgressMessage): void {
    if (!message.status) return; // aux data (a push's digest) has no line
    const status = message.status;
    const detail = message.progressDetail;
    const text = message.id ? `${message.id}: ${status}` : status;
    if (!this.#terminal) {
      if (status === "Downloading" || status === "Extracting" && detail?.current) return;
      if (message.id && this.#lastStatus.get(message.id) === status) return;
      if (message.id) this.#lastStatus.set(message.id, status);
      this.#write(`${text}\n`);
      return;
    }
    if (!message.id) {
      this.#write(`${text}\n`);
      this.#rows.clear();
      this.#lines = [];
      return;
    }
    const line = detail?.current !== undefined
      ? `${text} ${progressBar(detail.current, detail.total ?? 0)}`
      : text;
    const row = this.#rows.get(message.id);
    if (row === undefined) {
      this.#rows.set(message.id, this.#lines.length);
      this.#lines.push(line);
      this.#write(`${line}\n`);
      return;
    }
    // Up to the layer's line, rewrite it, back down.
    const up = this.#lines.length - row;
    this.#lines[row] = line;
    this.#write(`\x1b[${up}A\r\x1b[2K${line}\r\x1b[${up}B`);
  }
}

/** NAME[:TAG|@DIGEST] as docker sends it: fromImage and tag (a digest goes in tag). */
export function splitPullName(name: string): { fromImage: string; tag: string } {
  const at = name.indexOf("@");
  if (at >= 0) return { fromImage: name.slice(0, at), tag: name.slice(at + 1) };
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) {
    return { fromImage: name.slice(0, colon), tag: name.slice(colon + 1) };
  }
  return { fromImage: name, tag: "latest" };
}

/**
 * Pull `name`, showing progress on stdout (the pull command) or stderr
 * (run and create, whose stdout is the container's); returns the exit code.
 */
export async function pullWithProgress(
  client: ApiClient,
  name: string,
  options: { platform?: string; quiet?: boolean; toStderr?: boolean },
): Promise<number> {
  const auth = await registryAuthHeader(name);
  const response = await client.request("POST", "/images/create", {
    query: { ...splitPullName(name), platform: options.platform },
    headers: auth ? { "X-Registry-Auth": auth } : {},
  });
  return await showProgress(response, options);
}

/**
 * Show the JSON progress messages of a pull or push as they come; returns
 * the exit code (1 after an error message).
 */
export async function showProgress(
  response: { chunks(): AsyncIterable<Uint8Array> },
  options: { quiet?: boolean; toStderr?: boolean },
): Promise<number> {
  const encoder = new TextEncoder();
  const stream = options.toStderr ? Deno.stderr : Deno.stdout;
  const write = (text: string) => options.toStderr ? errOut(encoder.encode(text)) : out(text);
  const progress = new PullProgress(stream.isTerminal(), write);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.chunks()) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split(/\r?\n/);
    buffer = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      const message: ProgressMessage = JSON.parse(line);
      if (message.error) {
        errLine(message.error);
        return 1;
      }
      if (!options.quiet) progress.show(message);
    }
  }
  return 0;
}
