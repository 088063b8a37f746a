/**
 * What every CRI handler is: an async function of the daemon's context and
 * the request message, answering the response message.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";

/** One call's facts besides its message. */
export interface CriCall {
  /** The client's deadline (epoch ms), if it set one. */
  deadline: number | undefined;
  /** Aborted when the client cancels or goes away. */
  signal: AbortSignal;
}

// deno-lint-ignore no-explicit-any
export type CriMessage = Record<string, any>;

/** A unary RPC's implementation. */
export type CriHandler = (
  context: DaemonContext,
  request: CriMessage,
  call: CriCall,
) => Promise<CriMessage> | CriMessage;

/** A server-streaming RPC's implementation: `send` each message, resolve at the end. */
export type CriStreamHandler = (
  context: DaemonContext,
  request: CriMessage,
  call: CriCall,
  send: (message: CriMessage) => void,
) => Promise<void>;

/** The handlers of one RPC family, by method name. */
export type CriHandlers = Record<string, CriHandler>;

/** The streaming handlers of one family, by method name. */
export type CriStreamHandlers = Record<string, CriStreamHandler>;
