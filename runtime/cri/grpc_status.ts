/**
 * The CRI's errors: gRPC status codes, and the mapping of the daemon's
 * API errors onto them (the codes kubelet switches on).
 * @module
 */

import { ApiError } from "../errors.ts";
import { errorMessage } from "../logger.ts";

/** gRPC status codes (google.rpc.Code). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** An error with a gRPC status code. */
export class GrpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** InvalidArgument: the request is malformed. */
export function invalidArgument(message: string): GrpcError {
  return new GrpcError(GrpcCode.INVALID_ARGUMENT, message);
}

/** NotFound: no such pod, container or image. */
export function notFound(message: string): GrpcError {
  return new GrpcError(GrpcCode.NOT_FOUND, message);
}

/** The gRPC status of any error a handler threw. */
export function grpcStatusOf(error: unknown): { code: number; details: string } {
  if (error instanceof GrpcError) return { code: error.code, details: error.message };
  if (error instanceof ApiError) {
    const code = error.status === 400
      ? GrpcCode.INVALID_ARGUMENT
      : error.status === 404
      ? GrpcCode.NOT_FOUND
      : error.status === 409
      ? GrpcCode.FAILED_PRECONDITION
      : error.status === 408
      ? GrpcCode.DEADLINE_EXCEEDED
      : GrpcCode.UNKNOWN;
    return { code, details: error.message };
  }
  return { code: GrpcCode.UNKNOWN, details: errorMessage(error) };
}
