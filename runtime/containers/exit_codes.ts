/**
 * The exit code and words docker gives a container or exec that could not
 * start, from the runtime's message.
 * @module
 */

/** Exit code docker records when a start fails, by the runtime's message. */
export function startFailureExitCode(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 128;
}

/** Word a runtime's start error the way docker (and its CLI) expect. */
export function dockerStyleError(message: string): string {
  // crun: executable file `foo` not found in $PATH: No such file or directory
  const crun = /executable file `(.*)` not found in \$PATH/.exec(message);
  if (crun) return `${message}: exec: "${crun[1]}": executable file not found in $PATH`;
  return message;
}
