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

/** Create a container from flags; prints docker's hint when the image is missing. */
export async function createFromFlags(
  context: CommandContext,
  flags: Flags,
  options: { detached: boolean },
): Promise<{ id: string; body: Record<string, unknown> }> {
  const { name, body } = await createRequest(flags, options);
  try {
    const created = await context.client.json<{ Id: string; Warnings?: string[] }>(
      "POST",
      "/containers/create",
      { query: { name }, body },
    );
    for (const warning of created.Warnings ?? []) errLine(`WARNING: ${warning}`);
    return { id: created.Id, body };
  } catch (error) {
    if (
      error instanceof DaemonError && error.status === 404 && /No such image/.test(error.message)
    ) {
      errLine(`Unable to find image '${String(body.Image)}' locally`);
    }
    throw error;
  }
}

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
      errLine(`berth: ${describeError(error)}\n\nRun 'berth create --help' for more information`);
      return 125;
    }
  },
};
