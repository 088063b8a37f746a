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
import { writeAll } from "../../protocol/write_all.ts";

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
  const cidFile = flags.string("cidfile");
  // As docker: refused when the file exists (another container may own it).
  const cid = cidFile === undefined ? undefined : await openCidFile(cidFile);
  try {
    const created = await createWithPullPolicy(context, flags, name, body);
    if (cid) await writeAll(cid, new TextEncoder().encode(created.id));
    return created;
  } catch (error) {
    if (cidFile !== undefined) await Deno.remove(cidFile).catch(() => {});
    throw error;
  } finally {
    cid?.close();
  }
}

async function openCidFile(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { write: true, createNew: true, mode: 0o644 });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new Error(
        `Container ID file found, make sure the other container isn't running or delete ${path}`,
      );
    }
    throw new Error(`Failed to create the container ID file: ${describeError(error)}`);
  }
}

/** Create, pulling the image first (`--pull always`), when it is missing (the default), or never. */
async function createWithPullPolicy(
  context: CommandContext,
  flags: Flags,
  name: string | undefined,
  body: Record<string, unknown>,
): Promise<{ id: string; body: Record<string, unknown> }> {
  const policy = flags.string("pull") ?? "missing";
  const image = String(body.Image);
  const quiet = flags.bool("quiet");
  const pull = async () => {
    const pulled = await pullWithProgress(context.client, image, {
      platform: flags.string("platform"),
      quiet,
      toStderr: true,
    });
    if (pulled !== 0) throw new PullFailed();
  };
  if (policy === "always") await pull();
  const create = async () => {
    const created = await context.client.json<{ Id: string; Warnings?: string[] }>(
      "POST",
      "/containers/create",
      { query: { name, platform: flags.string("platform") }, body },
    );
    for (const warning of created.Warnings ?? []) errLine(`WARNING: ${warning}`);
    return { id: created.Id, body };
  };
  try {
    return await create();
  } catch (error) {
    if (
      policy !== "missing" ||
      !(error instanceof DaemonError && error.status === 404 &&
        /No such image|does not match the specified platform/.test(error.message))
    ) throw error;
    if (!quiet) {
      errLine(
        `Unable to find image '${
          /[:@]/.test(image.split("/").at(-1)!) ? image : `${image}:latest`
        }' locally`,
      );
    }
    await pull();
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
