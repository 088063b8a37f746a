/**
 * A real terminal for tests: a command in a detached tmux session on a
 * private tmux server, with keys typed into it, its screen read back and
 * its window resized.
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import { eventually, runCommand } from "./harness.ts";

/** One tmux session running one shell command. */
export class TmuxSession {
  readonly #socket: string;
  readonly #name = "t";

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /**
   * Start `command` (a bash command line) in a `cols`×`rows` terminal. When
   * it ends, the pane prints `EXIT=<code>` and stays open.
   */
  static async start(
    socket: string,
    command: string,
    options: { cols?: number; rows?: number; env?: Record<string, string> } = {},
  ): Promise<TmuxSession> {
    const session = new TmuxSession(socket);
    const exports = Object.entries(options.env ?? {})
      .map(([key, value]) => `export ${key}='${value}'; `)
      .join("");
    await session.#tmux([
      "new-session",
      "-d",
      "-s",
      session.#name,
      "-x",
      String(options.cols ?? 100),
      "-y",
      String(options.rows ?? 30),
      `${exports}${command}; echo EXIT=$?; sleep 600`,
    ]);
    return session;
  }

  async #tmux(args: string[]): Promise<string> {
    const result = await runCommand("tmux", ["-S", this.#socket, ...args], {
      env: { TERM: "xterm" },
    });
    if (result.code !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** Type text (literally) into the terminal. */
  async type(text: string): Promise<void> {
    await this.#tmux(["send-keys", "-t", this.#name, "-l", text]);
  }

  /** Press keys by tmux name (Enter, C-p, ...). */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux(["send-keys", "-t", this.#name, ...keys]);
  }

  /** The visible screen and its scrollback, as text. */
  async screen(): Promise<string> {
    return await this.#tmux(["capture-pane", "-p", "-J", "-S", "-200", "-t", this.#name]);
  }

  /** Wait until the screen matches. */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    let found: RegExpMatchArray | null = null;
    await eventually(
      async () => (found = (await this.screen()).match(pattern)) !== null,
      ms,
      `${pattern} on the screen`,
    )
      .catch(async (error) => {
        throw new Error(`${error.message}; the screen:\n${await this.screen()}`);
      });
    return found!;
  }

  /** Resize the terminal (the program gets SIGWINCH). */
  async resize(cols: number, rows: number): Promise<void> {
    await this.#tmux(["resize-window", "-t", this.#name, "-x", String(cols), "-y", String(rows)]);
  }

  /** The pane's size as `stty size` prints it: "rows cols". */
  async paneSize(): Promise<string> {
    return (await this.#tmux([
      "display-message",
      "-p",
      "-t",
      this.#name,
      "#{pane_height} #{pane_width}",
    ]))
      .trim();
  }

  /** Wait for the command to end; its exit code. */
  async exitCode(ms = 15_000): Promise<number> {
    return Number((await this.waitFor(/EXIT=(\d+)/, ms))[1]);
  }

  /** Stop the tmux server and everything in it. */
  async kill(): Promise<void> {
    await runCommand("tmux", ["-S", this.#socket, "kill-server"]).catch(() => {});
  }
}

/**
 * `stty size` in the shell on the screen prints the pane's size. A resize
 * reaches the container asynchronously (SIGWINCH, the API, the shim), as in
 * docker, so a stale answer right after one is asked again, a few times.
 */
export async function checkSize(terminal: TmuxSession, marker: string): Promise<void> {
  const expected = await terminal.paneSize();
  let size = "";
  for (let attempt = 1; attempt <= 5; attempt++) {
    await terminal.type(`echo ${marker}${attempt}=$(stty size)`);
    await terminal.press("Enter");
    [, size] = await terminal.waitFor(new RegExp(`${marker}${attempt}=(\\d+ \\d+)`));
    if (size === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  deepStrictEqual(size, expected);
}
