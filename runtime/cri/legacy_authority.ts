/**
 * Clients built before Kubernetes 1.31 (kubelet 1.26-1.30, crictl up to
 * 1.30) send the unix socket's path as the HTTP/2 `:authority`, which
 * node's http2 layer (so grpc-js on Deno) answers with a GOAWAY. This
 * hands connections over unchanged for now.
 * @module
 */

import type { Socket } from "node:net";

/** The connection, ready for grpc-js. */
export function fixLegacyAuthority(socket: Socket): Promise<Socket> {
  return Promise.resolve(socket);
}
