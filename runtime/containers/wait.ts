/**
 * POST /containers/{id}/wait?condition=not-running|next-exit|removed.
 * The waiter is registered synchronously, before the API flushes its
 * response headers, so a client that starts the container afterwards
 * cannot miss its exit.
 * @module
 */

import { BadRequest } from "../errors.ts";
import type { Container } from "./container.ts";

/** Docker's wait conditions. */
export type WaitCondition = "not-running" | "next-exit" | "removed";

/** What wait answers. */
export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

/** Parse the condition parameter. */
export function parseWaitCondition(text: string | null): WaitCondition {
  const condition = text || "not-running";
  if (condition !== "not-running" && condition !== "next-exit" && condition !== "removed") {
    throw new BadRequest(`invalid condition: "${condition}"`);
  }
  return condition;
}

function result(container: Container): WaitResult {
  const { ExitCode, Error } = container.state;
  return { StatusCode: ExitCode, Error: Error ? { Message: Error } : null };
}

/** Register a waiter now; `promise` resolves when the condition holds. */
export function prepareWait(
  container: Container,
  condition: WaitCondition,
): { promise: Promise<WaitResult>; cancel(): void } {
  if (condition === "not-running" && !container.isRunning) {
    return { promise: Promise.resolve(result(container)), cancel() {} };
  }
  let exitResult: WaitResult | undefined;
  const waiter = container.once((event) => {
    if (event === "exit") exitResult = result(container);
    if (condition === "removed") return event === "removed";
    return event === "exit" || event === "removed";
  });
  return {
    promise: waiter.promise.then(() => exitResult ?? result(container)),
    cancel: waiter.cancel,
  };
}
