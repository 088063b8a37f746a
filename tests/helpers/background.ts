/**
 * A command left running in the background while a test drives it: its
 * stdout and stderr are collected as they arrive, its stdin stays open.
 * @module
 */

import { concatBytes } from "../../lib/bytes.ts";
import { BERTH, eventually, type TestDaemon } from "./harness.ts";

const decoder = new TextDecoder();

/** A running command with piped stdio. */
export class BackgroundCommand {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stdout: Uint8Array[] = [];
  readonly #stderr: Uint8Array[] = [];
  readonly #drained: Promise<unknown>;
  /** The exit code, once it has exited. */
  readonly code: Promise<number>;

  constructor(command: string, args: string[], env?: Record<string, string>) {
    this.#child = new Deno.Command(command, {
      args,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#drained = Promise.all([
      collect(this.#child.stdout, this.#stdout),
      collect(this.#child.stderr, this.#stderr),
    ]);
    this.code = this.#child.status.then(async (status) => {
      await this.#drained;
      return status.code;
    });
  }

  /** Everything it printed on stdout so far. */
  get stdout(): string {
    return decoder.decode(concatBytes(this.#stdout));
  }

  /** Everything it printed on stderr so far. */
  get stderr(): string {
    return decoder.decode(concatBytes(this.#stderr));
  }

  /** Write to its stdin. */
  async write(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Close its stdin. */
  async closeStdin(): Promise<void> {
    await this.#stdin.close().catch(() => {});
  }

  /** Wait until its stdout contains `text`. */
  async waitForStdout(text: string, ms = 10_000): Promise<void> {
    await eventually(() => this.stdout.includes(text), ms, `"${text}" on stdout`);
  }

  /** True when it is still running `ms` from now. */
  async runsFor(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const running = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), ms));
    try {
      return await Promise.race([this.code.then(() => false), running]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Wait for it to exit (killing it after `ms`); returns the exit code. */
  async exited(ms = 15_000): Promise<number> {
    const timer = setTimeout(() => this.kill(), ms);
    try {
      return await this.code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kill it (SIGKILL) if it still runs. */
  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Kill it and wait until its pipes are closed. */
  async dispose(): Promise<void> {
    this.kill();
    await this.#stdin.close().catch(() => {});
    await this.code.catch(() => {});
  }
}

async function collect(stream: ReadableStream<Uint8Array>, into: Uint8Array[]): Promise<void> {
  for await (const chunk of stream) into.push(chunk);
}

/** The berth CLI against `daemon`, left running. */
export function berthInBackground(daemon: TestDaemon, args: string[]): BackgroundCommand {
  return new BackgroundCommand(BERTH, ["-H", daemon.host, ...args]);
}
