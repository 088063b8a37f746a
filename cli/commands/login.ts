/**
 * `berth login [OPTIONS] [SERVER]`: check credentials through the daemon,
 * then keep them for pulls from that registry.
 * @module
 */

import { serverHost } from "../../lib/registry_host.ts";
import type { Command } from "../command.ts";
import { errLine, outLine } from "../output.ts";
import { configPath, saveCredentials } from "../registry_config.ts";

async function readStdin(): Promise<string> {
  return (await new Response(Deno.stdin.readable).text()).replace(/\r?\n$/, "");
}

export const command: Command = {
  usage: "login [OPTIONS] [SERVER]",
  description: "Log in to a registry",
  flags: [
    { name: "username", short: "u", type: "string", value: "string", description: "Username" },
    { name: "password", short: "p", type: "string", value: "string", description: "Password" },
    { name: "password-stdin", type: "bool", description: "Take the password from stdin" },
  ],
  maxArgs: 1,
  async run({ client }, flags) {
    const host = serverHost(flags.positionals[0]);
    const username = flags.string("username");
    let password = flags.string("password");
    if (flags.bool("password-stdin")) {
      if (password !== undefined) {
        errLine("--password and --password-stdin are mutually exclusive");
        return 1;
      }
      if (!username) {
        errLine("Must provide --username with --password-stdin");
        return 1;
      }
      password = await readStdin();
    }
    if (!username || password === undefined) {
      errLine("berth login needs --username, and --password or --password-stdin");
      return 1;
    }
    if (flags.has("password")) {
      errLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
    }
    const answer = await client.json<{ Status: string }>("POST", "/auth", {
      body: { username, password, serveraddress: host },
    });
    await saveCredentials(host, username, password);
    errLine(`WARNING! Your password will be stored unencrypted in ${configPath()}.`);
    outLine(answer.Status);
    return 0;
  },
};
