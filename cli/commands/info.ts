/**
 * `berth info`
 * @module
 */

import { humanSize } from "../../lib/units.ts";
import type { Command } from "../command.ts";
import { GoTemplate } from "../go_template.ts";
import { errLine, outLine } from "../output.ts";

/** docker's "Security Options" block from `name=seccomp,profile=builtin` entries. */
function securityLines(options: string[]): string[] {
  if (options.length === 0) return [];
  const lines = [" Security Options:"];
  for (const option of options) {
    const fields = Object.fromEntries(
      option.split(",").map((field) => field.split("=", 2) as [string, string]),
    );
    lines.push(`  ${fields.name}`);
    if (fields.profile) lines.push(`   Profile: ${fields.profile}`);
  }
  return lines;
}

export const command: Command = {
  usage: "info [OPTIONS]",
  description: "Display system-wide information",
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
    // deno-lint-ignore no-explicit-any
    const info = await client.json<Record<string, any>>("GET", "/info");
    const format = flags.string("format");
    if (format) {
      outLine(format === "json" ? JSON.stringify(info) : new GoTemplate(format).execute(info));
      return 0;
    }
    const runtimes = Object.keys(info.Runtimes ?? {}).join(" ");
    outLine([
      "Server:",
      ` Containers: ${info.Containers}`,
      `  Running: ${info.ContainersRunning}`,
      `  Paused: ${info.ContainersPaused}`,
      `  Stopped: ${info.ContainersStopped}`,
      ` Images: ${info.Images}`,
      ` Server Version: ${info.ServerVersion}`,
      ` Storage Driver: ${info.Driver}`,
      ` Logging Driver: ${info.LoggingDriver}`,
      ` Cgroup Driver: ${info.CgroupDriver}`,
      ` Cgroup Version: ${info.CgroupVersion}`,
      ` Runtimes: ${runtimes}`,
      ` Default Runtime: ${info.DefaultRuntime}`,
      ` Live Restore Enabled: ${info.LiveRestoreEnabled}`,
      ...securityLines(info.SecurityOptions ?? []),
      ` Kernel Version: ${info.KernelVersion}`,
      ` Operating System: ${info.OperatingSystem}`,
      ` OSType: ${info.OSType}`,
      ` Architecture: ${info.Architecture}`,
      ` CPUs: ${info.NCPU}`,
      ` Total Memory: ${humanSize(info.MemTotal ?? 0)}`,
      ` Name: ${info.Name}`,
      ` ID: ${info.ID}`,
      ` Berth Root Dir: ${info.DockerRootDir}`,
    ].join("\n"));
    for (const warning of info.Warnings ?? []) errLine(warning);
    return 0;
  },
};
