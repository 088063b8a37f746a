/**
 * The init that `--init` runs as a container's pid 1: docker's
 * docker-init, or a static tini (Debian's tini package), bind-mounted from
 * the host. It must be static: the container may have no libc.
 * @module
 */

import { hostPathExists } from "./libc.ts";

/** Where a static init may live, in the order docker looks. */
const INIT_CANDIDATES = [
  "/usr/libexec/docker/docker-init",
  "/usr/local/bin/docker-init",
  "/usr/bin/docker-init",
  "/usr/bin/tini-static",
  "/usr/local/bin/tini-static",
];

/** Where the init appears inside the container (as in docker). */
export const CONTAINER_INIT_PATH = "/sbin/docker-init";

/** The host's static init, if it has one. */
export function findInitBinary(): string | undefined {
  return INIT_CANDIDATES.find(hostPathExists);
}
