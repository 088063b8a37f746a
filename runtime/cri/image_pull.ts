/**
 * PullImage: through the registry mirrors, with the call's credentials,
 * ended by the caller's deadline.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { pullThroughMirrors } from "../images/mirror_pull.ts";
import { parsePlatform } from "../images/pull.ts";
import { ApiError } from "../errors.ts";
import { errorMessage } from "../logger.ts";
import { GrpcCode, GrpcError, invalidArgument } from "./grpc_status.ts";
import type { CriCall, CriHandlers, CriMessage } from "./cri_call.ts";

/** The credentials of an AuthConfig (username and password, or `auth`: base64 of both). */
function credentialsOf(auth: CriMessage | null | undefined) {
  if (!auth) return undefined;
  if (auth.username) return { username: auth.username, password: auth.password ?? "" };
  if (auth.auth) {
    const text = atob(auth.auth);
    const colon = text.indexOf(":");
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return undefined;
}

async function pullImage(
  context: DaemonContext,
  request: CriMessage,
  call: CriCall,
): Promise<CriMessage> {
  const reference = request.image?.image;
  if (!reference) throw invalidArgument("ImageSpec.image is required");
  const pull = pullThroughMirrors(context, reference, {
    credentials: credentialsOf(request.auth),
    platform: parsePlatform(undefined),
    onProgress: async () => {},
  });
  // The client's deadline ends the call (what is fetched meanwhile stays in the layer store).
  const aborted = new Promise<never>((_, reject) =>
    call.signal.addEventListener(
      "abort",
      () => reject(new GrpcError(GrpcCode.DEADLINE_EXCEEDED, `pulling ${reference} was cancelled`)),
    )
  );
  pull.catch(() => {});
  try {
    const image = await Promise.race([pull, aborted]);
    context.events.emit("image", "pull", reference, { name: reference });
    return { image_ref: image.id };
  } catch (error) {
    if (error instanceof GrpcError) throw error;
    const status = error instanceof ApiError && error.status === 404
      ? GrpcCode.NOT_FOUND
      : GrpcCode.UNKNOWN;
    throw new GrpcError(status, `failed to pull image "${reference}": ${errorMessage(error)}`);
  }
}

/** PullImage. */
export const imagePullHandlers: CriHandlers = {
  PullImage: pullImage,
};
