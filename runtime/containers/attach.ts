/**
 * Attaching to a container: its shim's attach socket, now if it runs, or at
 * its next start (before the runtime starts it, so no output is missed) —
 * `docker run` and `docker start -a` attach before they start.
 * @module
 */

import type { Duplex } from "node:stream";
import { proxyAttach, type SessionEnd } from "../attach/attach_proxy.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import { Conflict } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import { AttachRefused, attachToShim, type ShimAttachment } from "../shims/attach_client.ts";
import type { AttachRequest } from "../../protocol/shim_protocol.ts";
import type { Container } from "./container.ts";

/** What the client attached to. */
export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Detach sequence; null disables it. */
  detachKeys: number[] | null;
}

/** The streams asked of the shim. */
function shimRequest({ stdin, stdout, stderr }: AttachOptions): AttachRequest {
  return { stdin, stdout, stderr };
}

/** Refuse attaching where docker refuses it. */
export function checkAttachable(container: Container): void {
  if (container.removing || container.state.Status === "removing") {
    throw new Conflict(`container ${container.id} is being removed`);
  }
  if (container.state.Status === "paused") {
    throw new Conflict(
      `container ${container.name} is paused, unpause the container before attach`,
    );
  }
}

/**
 * Connect to a running container's shim before the upgrade is answered, so
 * that a refusal (too many attachers) is an HTTP error the client shows.
 * Undefined when the container is not running (or just stopped): the
 * session then waits for its next start.
 */
export async function attachIfRunning(
  context: DaemonContext,
  container: Container,
  options: AttachOptions,
): Promise<ShimAttachment | undefined> {
  if (!container.isRunning) return undefined;
  try {
    return await attachToShim(shimStateDir(context, container.id), shimRequest(options));
  } catch (error) {
    if (error instanceof AttachRefused) throw new Conflict(error.message);
    return undefined;
  }
}

/**
 * Connect to the shim now, or at the container's next start (before the
 * runtime starts it); undefined when the container is removed or `gone`
 * resolves first.
 */
export function shimAttachment(
  context: DaemonContext,
  container: Container,
  options: AttachOptions,
  gone: Promise<void>,
): Promise<ShimAttachment | undefined> {
  const request = shimRequest(options);
  if (container.isRunning) return attachToShim(shimStateDir(context, container.id), request);
  return new Promise((resolve, reject) => {
    const removed = container.once((event) => event === "removed");
    const forget = () => {
      container.pendingAttaches.delete(connect);
      removed.cancel();
    };
    const connect = async (stateDir: string) => {
      forget();
      try {
        resolve(await attachToShim(stateDir, request));
      } catch (error) {
        reject(error);
      }
    };
    container.pendingAttaches.add(connect);
    removed.promise.then(() => {
      forget();
      resolve(undefined);
    });
    gone.then(() => {
      forget();
      resolve(undefined);
    });
  });
}

/** Run an attach session until the container's output ends or the client leaves. */
export async function runAttachSession(
  context: DaemonContext,
  container: Container,
  client: Duplex,
  options: AttachOptions,
  early?: ShimAttachment,
): Promise<SessionEnd> {
  const clientGone = new Promise<void>((resolve) => {
    client.once("close", () => resolve());
    client.once("error", () => resolve());
  });
  let attachment = early;
  if (!attachment) {
    try {
      attachment = await shimAttachment(context, container, options, clientGone);
    } catch (error) {
      log.warn("attach to the shim failed", { id: container.id, error: errorMessage(error) });
    }
  }
  if (!attachment || client.destroyed) {
    attachment?.conn.close();
    client.end();
    return "ended";
  }
  log.debug("attach session started", { id: container.id, stdin: options.stdin });
  const end = await proxyAttach(client, attachment, {
    tty: container.record.config.Tty,
    stdin: options.stdin,
    detachKeys: options.detachKeys,
    id: container.id,
  });
  if (!client.destroyed) client.end();
  log.debug("attach session ended", { id: container.id, end });
  return end;
}
