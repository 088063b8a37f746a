/**
 * `berth run [OPTIONS] IMAGE [COMMAND] [ARG...]`: create, attach (unless
 * -d), register the wait, start; exit with the container's exit code.
 * @module
 */

import type { Command } from "../command.ts";
import { CONTAINER_FLAGS } from "../container_options.ts";
import { describeError, runExitCode } from "../errors.ts";
import { errLine, outLine } from "../output.ts";
import { openAttach } from "../attach_session.ts";
import { checkInteractiveTty, rawTerminal } from "../terminal.ts";
import { createFromFlags } from "./create.ts";

export const command: Command = {
  usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
  description: "Create and run a new container from an image",
  flags: [
    {
      name: "detach",
      short: "d",
      type: "bool",
      description: "Run container in background and print container ID",
    },
    ...CONTAINER_FLAGS,
  ],
  stopAtPositional: true,
  minArgs: 1,
  async run(context, flags) {
    const { client } = context;
    const detached = flags.bool("detach");
    const notTty = detached
      ? undefined
      : checkInteractiveTty(flags.bool("interactive"), flags.bool("tty"));
    if (notTty) {
      errLine(notTty);
      return 1;
    }
    let created;
    try {
      created = await createFromFlags(context, flags, { detached });
    } catch (error) {
      errLine(`berth: ${describeError(error)}\n\nRun 'berth run --help' for more information`);
      return 125;
    }
    const { id, body } = created;
    if (detached) {
      try {
        await client.call("POST", `/containers/${id}/start`);
      } catch (error) {
        errLine(`berth: ${describeError(error)}\n\nRun 'berth run --help' for more information`);
        return runExitCode(error);
      }
      outLine(id);
      return 0;
    }

    const autoRemove = Boolean((body.HostConfig as { AutoRemove?: boolean }).AutoRemove);
    // Both are in place before the start, so no output and no exit is missed.
    const [session, wait] = await Promise.all([
      openAttach(client, id, {
        stdin: Boolean(body.AttachStdin),
        stdout: Boolean(body.AttachStdout),
        stderr: Boolean(body.AttachStderr),
        tty: Boolean(body.Tty),
      }),
      client.request("POST", `/containers/${id}/wait`, {
        query: { condition: autoRemove ? "removed" : "next-exit" },
      }),
    ]);
    try {
      await client.call("POST", `/containers/${id}/start`);
    } catch (error) {
      session.close();
      await wait.body.cancel().catch(() => {});
      errLine(`berth: ${describeError(error)}\n\nRun 'berth run --help' for more information`);
      return runExitCode(error);
    }
    const restore = rawTerminal(Boolean(body.Tty) && Boolean(body.AttachStdin));
    try {
      session.startStdin();
      await session.done;
    } finally {
      restore();
    }
    const result = await wait.json<{ StatusCode: number; Error?: { Message: string } | null }>();
    if (result.Error?.Message) errLine(`berth: ${result.Error.Message}`);
    return result.StatusCode;
  },
};
