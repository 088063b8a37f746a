/**
 * `berth exec [OPTIONS] CONTAINER COMMAND [ARG...]`: run a process in a
 * running container and exit with its exit code.
 * @module
 */

import type { Command } from "../command.ts";
import { readEnvFile } from "../container_options.ts";
import { describeError, runExitCode } from "../errors.ts";
import { errLine } from "../output.ts";
import { openStream } from "../attach_session.ts";
import { checkInteractiveTty, followTerminalSize, rawTerminal } from "../terminal.ts";

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
    {
      name: "detach-keys",
      type: "string",
      value: "string",
      description: "Override the key sequence for detaching a container",
    },
    {
      name: "env",
      short: "e",
      type: "list",
      value: "list",
      description: "Set environment variables",
    },
    {
      name: "env-file",
      type: "list",
      value: "list",
      description: "Read in a file of environment variables",
    },
    {
      name: "interactive",
      short: "i",
      type: "bool",
      description: "Keep STDIN open even if not attached",
    },
    { name: "privileged", type: "bool", description: "Give extended privileges to the command" },
    { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
    {
      name: "user",
      short: "u",
      type: "string",
      value: "string",
      description: "Username or UID (format: <name|uid>[:<group|gid>])",
    },
    {
      name: "workdir",
      short: "w",
      type: "string",
      value: "string",
      description: "Working directory inside the container",
    },
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
    const env: string[] = [];
    for (const file of flags.list("env-file")) env.push(...await readEnvFile(file));
    for (const entry of flags.list("env")) {
      if (entry.includes("=")) env.push(entry);
      else if (Deno.env.get(entry) !== undefined) env.push(`${entry}=${Deno.env.get(entry)}`);
    }
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
    const restore = rawTerminal(tty && interactive);
    const stopResize = tty ? followTerminalSize(client, `/exec/${created.Id}/resize`) : () => {};
    try {
      session.startStdin();
      await session.done;
    } finally {
      restore();
      stopResize();
    }
    if (session.detached) return 0;
    const exec = await client.json<{ ExitCode: number | null; Running: boolean }>(
      "GET",
      `/exec/${created.Id}/json`,
    );
    return exec.ExitCode ?? (exec.Running ? 0 : 126);
  },
};
