/**
 * The local terminal during an attach or exec: raw mode with a tty
 * (restored on every way out), window size sent at once and on every
 * SIGWINCH, and without a tty our signals passed on to the container.
 * @module
 */

import type { ApiClient } from "./api_client.ts";

/** Put stdin in raw mode when it is a terminal; returns the restore function. */
export function rawTerminal(tty: boolean): () => void {
  if (!tty || !Deno.stdin.isTerminal()) return () => {};
  Deno.stdin.setRaw(true, { cbreak: false });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // the terminal is gone
    }
  };
  globalThis.addEventListener("unload", restore);
  return restore;
}

/** Docker refuses `-it` when stdin is not a terminal. */
export function checkInteractiveTty(interactive: boolean, tty: boolean): string | undefined {
  if (interactive && tty && !Deno.stdin.isTerminal()) return "the input device is not a TTY";
  return undefined;
}

function terminalSize(): { rows: number; columns: number } | undefined {
  try {
    return Deno.consoleSize();
  } catch {
    return undefined;
  }
}

/**
 * Keep the remote pty's size in step with ours: send it now (with
 * `redraw`, one row more first, so a shell redraws its prompt) and on every
 * SIGWINCH. Returns the stop function.
 */
export function followTerminalSize(
  client: ApiClient,
  path: string,
  options: { redraw?: boolean } = {},
): () => void {
  if (!Deno.stdout.isTerminal()) return () => {};
  const send = async (rows: number, cols: number) => {
    try {
      await client.call("POST", path, { query: { h: rows, w: cols } });
    } catch {
      // not running (yet, or any more)
    }
  };
  const update = async () => {
    const size = terminalSize();
    if (size) await send(size.rows, size.columns);
  };
  (async () => {
    const size = terminalSize();
    if (size && options.redraw) await send(size.rows + 1, size.columns + 1);
    await update();
  })();
  Deno.addSignalListener("SIGWINCH", update);
  return () => {
    try {
      Deno.removeSignalListener("SIGWINCH", update);
    } catch {
      // already removed
    }
  };
}

const PROXIED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/** Pass our signals on to the container (docker's --sig-proxy). Returns the stop function. */
export function proxySignals(client: ApiClient, id: string): () => void {
  const listeners = PROXIED_SIGNALS.map((signal) => {
    const listener = () => {
      client.call("POST", `/containers/${encodeURIComponent(id)}/kill`, { query: { signal } })
        .catch(() => {});
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) {
      try {
        Deno.removeSignalListener(signal, listener);
      } catch {
        // already removed
      }
    }
  };
}
