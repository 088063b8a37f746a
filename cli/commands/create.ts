/**
 * `berth create [OPTIONS] IMAGE [COMMAND] [ARG...]`
 * @module
 */

import { DaemonError } from "../api_client.ts";
import type { Command, CommandContext } from "../command.ts";
import { CONTAINER_FLAGS, createRequest } from "../container_options.ts";
import { describeError } from "../errors.ts";
import type { Flags } from "../flags.ts";
import { errLine, outLine } from "../output.ts";
import { pullWithProgress } from "../pull_progress.ts";

/**
 * Create a container from flags. A missing image is pulled first, as
 * docker does (`--pull missing`), with the progress on stderr.
 */
export async function createFromFlags(
  context: CommandContext,
  flags: Flags,
  options: { detached: boolean },
): Promise<{ id: string; body: Record<string, unknown> }> {
  const { name, body } = await createRequest(flags, options);
  const create = async () => {
    const created = await context.client.json<{ Id: string; Warnings?: string[] }>(
      "POST",
      "/containers/create",
      { query: { name }, body },
    );
    for (const warning of created.Warnings ?? []) errLine(`WARNING: ${warning}`);
    return { id: created.Id, body };
  };
  try {
    return await create();
  } catch (error) {
    if (
      !(error instanceof DaemonError && error.status === 404 && /No such image/.test(error.message))
    ) throw error;
    const image = String(body.Image);
    errLine(
      `Unable to find image '${
        /[:@]/.test(image.split("/").at(-1)!) ? image : `${image}:latest`
      }' locally`,
    );
    const pulled = await pullWithProgress(context.client, image, {
      platform: flags.string("platform"),
      toStderr: true,
    });
    if (pulled !== 0) throw new PullFailed();
    return await create();
  }
}

/** The pull before a create failed; its message is printed already. */
export class PullFailed extends Error {}

export const command: Command = {
  usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
  description: "Create a new container",
  flags: CONTAINER_FLAGS,
  stopAtPositional: true,
  minArgs: 1,
  async run(context, flags) {
    try {
      const { id } = await createFromFlags(context, flags, { detached: true });
      outLine(id);
      return 0;
    } catch (error) {
      if (error instanceof PullFailed) return 125;
      errLine(`berth: ${describeError(error)}\n\nRun 'berth create --help' for more information`);
      return 125;
    }
  },
};
