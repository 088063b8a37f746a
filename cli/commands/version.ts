/**
 * `berth version`
 * @module
 */

import { BERTH_VERSION } from "../../protocol/version.ts";
import { CLIENT_API_VERSION } from "../api_client.ts";
import type { Command } from "../command.ts";
import { GoTemplate } from "../go_template.ts";
import { outLine } from "../output.ts";

interface ServerVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
}

function arch(): string {
  return Deno.build.arch === "x86_64"
    ? "amd64"
    : Deno.build.arch === "aarch64"
    ? "arm64"
    : Deno.build.arch;
}

export const command: Command = {
  usage: "version [OPTIONS]",
  description: "Show the berth version information",
  flags: [
    {
      name: "format",
      short: "f",
      type: "string",
      value: "string",
      description: "Format output using a custom template",
    },
  ],
  maxArgs: 0,
  async run({ client }, flags) {
    const clientInfo = {
      Version: BERTH_VERSION,
      ApiVersion: CLIENT_API_VERSION,
      GoVersion: `deno ${Deno.version.deno}`,
      Os: "linux",
      Arch: arch(),
    };
    let server: ServerVersion | undefined;
    let failure: unknown;
    try {
      server = await client.json<ServerVersion>("GET", "/version");
    } catch (error) {
      failure = error;
    }
    const format = flags.string("format");
    if (format) {
      outLine(new GoTemplate(format).execute({ Client: clientInfo, Server: server ?? null }));
    } else {
      const lines = [
        "Client:",
        ` Version:           ${clientInfo.Version}`,
        ` API version:       ${clientInfo.ApiVersion}`,
        ` Deno version:      ${Deno.version.deno}`,
        ` OS/Arch:           ${clientInfo.Os}/${clientInfo.Arch}`,
      ];
      if (server) {
        lines.push(
          "",
          "Server: berth",
          " Engine:",
          `  Version:          ${server.Version}`,
          `  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})`,
          `  Runtime:          ${server.GoVersion}`,
          `  OS/Arch:          ${server.Os}/${server.Arch}`,
          `  Kernel:           ${server.KernelVersion}`,
        );
        for (const component of server.Components ?? []) {
          if (component.Name === "Engine") continue;
          lines.push(
            ` ${component.Name}:`,
            `  Version:          ${component.Version}`,
            `  Path:             ${component.Details?.Path ?? ""}`,
          );
        }
      }
      outLine(lines.join("\n"));
    }
    if (failure) throw failure;
    return 0;
  },
};
