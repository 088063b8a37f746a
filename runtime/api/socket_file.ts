/**
 * A unix socket file that is never more open than its mode, whatever the
 * umask: bound in a private directory (0700) beside its final path, given
 * its mode and group there, then renamed into place. A socket bound at its
 * final path and chmod'ed afterwards would, for a moment, take connections
 * from anyone the umask let in, and such a connection is answered as root.
 * @module
 */

/** The private directory a socket at `path` is bound in before it is moved there. */
export function bindDirectory(path: string): string {
  return `${path}.bind`;
}

/** Where the socket of `path` is bound (the longest path a bind gets). */
export function bindPath(path: string): string {
  return `${bindDirectory(path)}/s`;
}

/**
 * Have `listen` bind a socket in a private directory, then give it `mode`
 * (and group `gid`) and move it to `path` (replacing a stale one).
 */
export async function listenPrivately(
  path: string,
  options: { mode: number; gid?: number },
  listen: (temporaryPath: string) => Promise<void>,
): Promise<void> {
  const directory = bindDirectory(path);
  await Deno.remove(directory, { recursive: true }).catch(() => {});
  await Deno.mkdir(directory, { mode: 0o700 });
  try {
    await Deno.chmod(directory, 0o700); // whatever the umask says
    const temporary = bindPath(path);
    await listen(temporary);
    await Deno.chmod(temporary, options.mode);
    if (options.gid !== undefined) await Deno.chown(temporary, null, options.gid);
    await Deno.rename(temporary, path);
  } finally {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  }
}

/** What {@link listenServerPrivately} needs of a node:net or node:http server. */
interface ListeningServer {
  once(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
  listen(path: string, ready: () => void): unknown;
}

/** Have a node:net or node:http server listen on `path` as {@link listenPrivately} binds it. */
export function listenServerPrivately(
  server: ListeningServer,
  path: string,
  options: { mode: number; gid?: number },
): Promise<void> {
  return listenPrivately(path, options, (temporary) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(temporary, () => {
        server.off("error", reject);
        resolve();
      });
    }));
}
