/**
 * The CNI exec protocol, as runtimes speak it to plugins: the command and
 * the container's facts in CNI_* variables, the network configuration on
 * stdin (with `name`, `cniVersion`, the previous plugin's result and the
 * runtime's capability arguments), a result or an error on stdout.
 * @module
 */

import type { CniNetworkList, CniPluginConfig } from "./cni_config.ts";

/** One attachment of a pod to a network. */
export interface CniAttachment {
  containerId: string;
  /** The network namespace's path. */
  netns: string;
  ifName: string;
  /** `K8S_POD_NAMESPACE=...` and the like. */
  args: [string, string][];
  /** Capability arguments (`portMappings`, ...), given to plugins that announce them. */
  capabilityArgs: Record<string, unknown>;
}

/** A plugin failed; its CNI error code and message. */
export class CniError extends Error {
  constructor(readonly plugin: string, readonly code: number, message: string) {
    super(`plugin type="${plugin}" failed (${message})`);
  }
}

/** What ADD's result says (spec 0.4.0 and 1.0.0 share these fields). */
export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number; version?: string }[];
  routes?: unknown[];
  dns?: unknown;
}

/** Where a plugin's binary is: the first of the bin dirs that has it. */
async function pluginPath(binDirs: string[], type: string): Promise<string> {
  for (const dir of binDirs) {
    try {
      const info = await Deno.stat(`${dir}/${type}`);
      if (info.isFile) return `${dir}/${type}`;
    } catch {
      // not in this one
    }
  }
  throw new CniError(type, 0, `failed to find plugin "${type}" in path [${binDirs.join(" ")}]`);
}

/** The stdin of one plugin call. */
function pluginInput(
  list: CniNetworkList,
  plugin: CniPluginConfig,
  attachment: CniAttachment,
  prevResult: CniResult | undefined,
): string {
  const runtimeConfig: Record<string, unknown> = {};
  for (const [capability, enabled] of Object.entries(plugin.capabilities ?? {})) {
    if (enabled && attachment.capabilityArgs[capability] !== undefined) {
      runtimeConfig[capability] = attachment.capabilityArgs[capability];
    }
  }
  return JSON.stringify({
    ...plugin,
    name: list.name,
    cniVersion: list.cniVersion,
    ...(Object.keys(runtimeConfig).length ? { runtimeConfig } : {}),
    ...(prevResult ? { prevResult } : {}),
  });
}

/** Run one plugin; its parsed stdout (empty for DEL and CHECK). */
async function runPlugin(
  binDirs: string[],
  command: "ADD" | "DEL" | "CHECK",
  plugin: CniPluginConfig,
  attachment: CniAttachment,
  input: string,
): Promise<CniResult | undefined> {
  const path = await pluginPath(binDirs, plugin.type);
  const child = new Deno.Command(path, {
    clearEnv: true,
    env: {
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
      CNI_COMMAND: command,
      CNI_CONTAINERID: attachment.containerId,
      CNI_NETNS: attachment.netns,
      CNI_IFNAME: attachment.ifName,
      CNI_ARGS: ["IgnoreUnknown=1", ...attachment.args.map(([key, value]) => `${key}=${value}`)]
        .join(";"),
      CNI_PATH: binDirs.join(":"),
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input)).catch(() => {});
  await writer.close().catch(() => {});
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout).trim();
  if (code !== 0) {
    let message = new TextDecoder().decode(stderr).trim() || `exit status ${code}`;
    let errorCode = 0;
    try {
      const error = JSON.parse(text);
      message = [error.msg, error.details].filter(Boolean).join(": ") || message;
      errorCode = Number(error.code) || 0;
    } catch {
      // not a CNI error object
    }
    throw new CniError(plugin.type, errorCode, message);
  }
  return text ? JSON.parse(text) : undefined;
}

/** ADD: every plugin in order, each given the result of the one before; the last result. */
export async function cniAdd(
  binDirs: string[],
  list: CniNetworkList,
  attachment: CniAttachment,
): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const plugin of list.plugins) {
    const input = pluginInput(list, plugin, attachment, result);
    result = await runPlugin(binDirs, "ADD", plugin, attachment, input) ?? result;
  }
  return result ?? {};
}

/**
 * DEL: every plugin in reverse order. A plugin's failure does not stop the
 * others (each frees what it holds); the first failure is thrown at the end.
 */
export async function cniDel(
  binDirs: string[],
  list: CniNetworkList,
  attachment: CniAttachment,
): Promise<void> {
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await runPlugin(
        binDirs,
        "DEL",
        plugin,
        attachment,
        pluginInput(list, plugin, attachment, undefined),
      );
    } catch (error) {
      first ??= error;
    }
  }
  if (first) throw first;
}

/**
 * CHECK (spec 0.4.0 on): every plugin in order, given ADD's result, says
 * whether what it set up is still as it was; the first failure is thrown.
 */
export async function cniCheck(
  binDirs: string[],
  list: CniNetworkList,
  attachment: CniAttachment,
  addResult: CniResult,
): Promise<void> {
  for (const plugin of list.plugins) {
    await runPlugin(
      binDirs,
      "CHECK",
      plugin,
      attachment,
      pluginInput(list, plugin, attachment, addResult),
    );
  }
}

/** True when the config's spec version has CHECK (0.4.0 and later). */
export function supportsCheck(list: CniNetworkList): boolean {
  const [major, minor] = list.cniVersion.split(".").map(Number);
  return major > 0 || minor >= 4;
}

/** The pod's addresses in an ADD result, IPv4 first (without the prefix length). */
export function resultAddresses(result: CniResult): string[] {
  const addresses = (result.ips ?? []).map((ip) => ip.address.split("/")[0]).filter(Boolean);
  return [
    ...addresses.filter((address) => !address.includes(":")),
    ...addresses.filter((address) => address.includes(":")),
  ];
}
