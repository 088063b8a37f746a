/**
 * `berth start [OPTIONS] CONTAINER [CONTAINER...]`; with -a, attach to
 * one container and exit with its exit code.
 * @module
 */

import type { Command } from "../command.ts";
import { describeError, runExitCode } from "../errors.ts";
import { errLine } from "../output.ts";
import { openAttach, runContainerSession } from "../attach_session.ts";
import { postToEach } from "./container_action.ts";

interface Inspected {
  Id: string;
  Config: { Tty: boolean; OpenStdin: boolean };
}

export const command: Command = {
  usage: "start [OPTIONS] CONTAINER [CONTAINER...]",
  description: "Start one or more stopped containers",
  flags: [
    {
      name: "attach",
      short: "a",
      type: "bool",
      description: "Attach STDOUT/STDERR and forward signals",
    },
    { name: "interactive", short: "i", type: "bool", description: "Attach container's STDIN" },
    {
      name: "detach-keys",
      type: "string",
      value: "string",
      description: "Override the key sequence for detaching a container",
    },
  ],
  minArgs: 1,
  async run({ client }, flags) {
    const attach = flags.bool("attach") || flags.bool("interactive");
    if (!attach) return postToEach(client, flags.positionals, "start");
    if (flags.positionals.length > 1) {
      errLine("you cannot start and attach multiple containers at once");
      return 1;
    }
    const [name] = flags.positionals;
    const container = await client.json<Inspected>(
      "GET",
      `/containers/${encodeURIComponent(name)}/json`,
    );
    const interactive = flags.bool("interactive") && container.Config.OpenStdin;
    const tty = container.Config.Tty;
    const [session, wait] = await Promise.all([
      openAttach(client, container.Id, {
        stdin: interactive,
        stdout: true,
        stderr: true,
        tty,
        detachKeys: flags.string("detach-keys"),
      }),
      client.request("POST", `/containers/${container.Id}/wait`, {
        query: { condition: "next-exit" },
      }),
    ]);
    try {
      await client.call("POST", `/containers/${container.Id}/start`);
    } catch (error) {
      session.close();
      wait.cancel();
      errLine(describeError(error));
      return runExitCode(error);
    }
    return await runContainerSession(client, container.Id, session, wait, {
      tty,
      interactive,
      sigProxy: true,
    });
  },
};
