/**
 * `berth exec [OPTIONS] CONTAINER COMMAND [ARG...]`: run a process in a
 * running container and exit with its exit code.
 * @module
 */

import type { Command } from "../command.ts";
import { containerFlags, environment } from "../container_options.ts";
import { describeError, runExitCode } from "../errors.ts";
import { errLine } from "../output.ts";
import { driveSession, openStream } from "../attach_session.ts";
import { checkInteractiveTty } from "../terminal.ts";

export const command: Command = {
  usage: "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
  description: "Execute a command in a running container",
  flags: [
    {
      name: "detach",
      short: "d",
      type: "bool",
      description: "Detached mode: run command in the background",
    },
    ...containerFlags("detach-keys", "env", "env-file", "interactive"),
    { name: "privileged", type: "bool", description: "Give extended privileges to the command" },
    ...containerFlags("tty", "user", "workdir"),
  ],
  stopAtPositional: true,
  minArgs: 2,
  async run({ client }, flags) {
    const [container, ...command] = flags.positionals;
    const detach = flags.bool("detach");
    const interactive = flags.bool("interactive");
    const tty = flags.bool("tty");
    const notTty = detach ? undefined : checkInteractiveTty(interactive, tty);
    if (notTty) {
      errLine(notTty);
      return 1;
    }
    const env = await environment(flags);
    let size: [number, number] | null = null;
    try {
      if (tty) size = [Deno.consoleSize().rows, Deno.consoleSize().columns];
    } catch {
      size = null;
    }
    const detachKeys = flags.string("detach-keys");
    const created = await client.json<{ Id: string }>(
      "POST",
      `/containers/${encodeURIComponent(container)}/exec`,
      {
        body: {
          AttachStdin: interactive && !detach,
          AttachStdout: !detach,
          AttachStderr: !detach,
          DetachKeys: detachKeys,
          Tty: tty,
          ConsoleSize: size,
          Env: env,
          Cmd: command,
          Privileged: flags.bool("privileged"),
          User: flags.string("user") ?? "",
          WorkingDir: flags.string("workdir") ?? "",
        },
      },
    );
    const startPath = `/exec/${created.Id}/start`;
    if (detach) {
      try {
        await client.call("POST", startPath, { body: { Detach: true, Tty: tty } });
      } catch (error) {
        errLine(describeError(error));
        return runExitCode(error);
      }
      return 0;
    }
    const session = await openStream(client, {
      path: startPath,
      body: { Detach: false, Tty: tty, ConsoleSize: size },
    }, { stdin: interactive, stdout: true, stderr: true, tty, detachKeys });
    await driveSession(client, session, {
      tty,
      interactive,
      resizePath: `/exec/${created.Id}/resize`,
    });
    if (session.detached) return 0;
    const exec = await client.json<{ ExitCode: number | null; Running: boolean }>(
      "GET",
      `/exec/${created.Id}/json`,
    );
    return exec.ExitCode ?? (exec.Running ? 0 : 126);
  },
};
