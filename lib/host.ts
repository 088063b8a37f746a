/**
 * Daemon addresses: `unix:///path` or a bare absolute path.
 * @module
 */

/** The socket path of a host address; throws on anything but unix sockets. */
export function parseUnixHost(host: string): string {
  const path = host.startsWith("unix://") ? host.slice("unix://".length) : host;
  if (!path.startsWith("/")) {
    throw new Error(`only unix sockets are supported: -H unix:///path, got "${host}"`);
  }
  return path;
}

/** Where the daemon listens unless told otherwise. */
export const DEFAULT_HOST = "unix:///run/berth/berth.sock";
