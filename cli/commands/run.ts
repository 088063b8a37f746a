/**
 * `berth run [OPTIONS] IMAGE [COMMAND] [ARG...]`: create, attach (unless
 * -d), register the wait, start; exit with the container's exit code.
 * @module
 */

import type { Command } from "../command.ts";
import { CONTAINER_FLAGS } from "../container_options.ts";
import { describeError, runExitCode } from "../errors.ts";
import { errLine, outLine } from "../output.ts";
import { openAttach, runContainerSession } from "../attach_session.ts";
import { checkInteractiveTty } from "../terminal.ts";
import { createFromFlags, PullFailed } from "./create.ts";

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
    {
      name: "sig-proxy",
      type: "bool",
      default: true,
      description: "Proxy received signals to the process",
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
    const fail = (error: unknown, code: number) => {
      errLine(`berth: ${describeError(error)}\n\nRun 'berth run --help' for more information`);
      return code;
    };
    let created;
    try {
      created = await createFromFlags(context, flags, { detached });
    } catch (error) {
      return error instanceof PullFailed ? 125 : fail(error, 125);
    }
    const { id, body } = created;
    if (detached) {
      try {
        await client.call("POST", `/containers/${id}/start`);
      } catch (error) {
        return fail(error, runExitCode(error));
      }
      outLine(id);
      return 0;
    }

    const autoRemove = Boolean((body.HostConfig as { AutoRemove?: boolean }).AutoRemove);
    const tty = Boolean(body.Tty);
    // Both are in place before the start, so no output and no exit is missed.
    const [session, wait] = await Promise.all([
      openAttach(client, id, {
        stdin: Boolean(body.AttachStdin),
        stdout: Boolean(body.AttachStdout),
        stderr: Boolean(body.AttachStderr),
        tty,
        detachKeys: flags.string("detach-keys"),
      }),
      client.request("POST", `/containers/${id}/wait`, {
        query: { condition: autoRemove ? "removed" : "next-exit" },
      }),
    ]);
    try {
      await client.call("POST", `/containers/${id}/start`);
    } catch (error) {
      session.close();
      wait.cancel();
      return fail(error, runExitCode(error));
    }
    return await runContainerSession(client, id, session, wait, {
      tty,
      interactive: Boolean(body.AttachStdin),
      sigProxy: flags.bool("sig-proxy"),
    });
  },
};
