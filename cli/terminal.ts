/**
 * The local terminal during an attach with a tty: raw mode (keys go to the
 * container as typed), restored on every way out.
 * @module
 */

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
