/**
 * Registry host names as docker derives them, shared by the CLI (which keeps
 * credentials per host) and the daemon (which checks them).
 * @module
 */

/** The registry host a `login` or `logout` argument names: a host, a URL, or nothing (Docker Hub). */
export function serverHost(server: string | undefined): string {
  if (!server) return "docker.io";
  const host = server.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  return ["index.docker.io", "registry-1.docker.io"].includes(host) ? "docker.io" : host;
}

/** The registry host of an image name: its first component if that names a host, else docker.io. */
export function registryHostOf(name: string): string {
  const first = name.split("/")[0];
  const isHost = name.includes("/") &&
    (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? first : "docker.io";
}
