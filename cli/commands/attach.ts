/**
 * `berth attach [OPTIONS] CONTAINER`: our stdin, stdout and stderr on a
 * running container's; detach with the detach keys (ctrl-p ctrl-q).
 * @module
 */

import type { Command } from "../command.ts";
import { errLine } from "../output.ts";
import { openAttach, runContainerSession } from "../attach_session.ts";

interface Inspected {
  Id: string;
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
  Config: { Tty: boolean; OpenStdin: boolean };
}

export const command: Command = {
  usage: "attach [OPTIONS] CONTAINER",
  description: "Attach local standard input, output, and error streams to a running container",
  flags: [
    {
      name: "detach-keys",
      type: "string",
      value: "string",
      description: "Override the key sequence for detaching a container",
    },
    { name: "no-stdin", type: "bool", description: "Do not attach STDIN" },
    {
      name: "sig-proxy",
      type: "bool",
      default: true,
      description: "Proxy all received signals to the process",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const [name] = flags.positionals;
    const container = await client.json<Inspected>(
      "GET",
      `/containers/${encodeURIComponent(name)}/json`,
    );
    if (!container.State.Running) {
      errLine("You cannot attach to a stopped container, start it first");
      return 1;
    }
    if (container.State.Paused) {
      errLine("You cannot attach to a paused container, unpause it first");
      return 1;
    }
    const stdin = container.Config.OpenStdin && !flags.bool("no-stdin");
    const tty = container.Config.Tty;
    const [wait, session] = await Promise.all([
      client.request("POST", `/containers/${container.Id}/wait`, {
        query: { condition: "not-running" },
      }),
      openAttach(client, container.Id, {
        stdin,
        stdout: true,
        stderr: true,
        tty,
        detachKeys: flags.string("detach-keys"),
      }),
    ]);
    return await runContainerSession(client, container.Id, session, wait, {
      tty,
      interactive: stdin,
      sigProxy: flags.bool("sig-proxy"),
    });
  },
};
