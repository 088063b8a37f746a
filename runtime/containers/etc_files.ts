/**
 * The files bind-mounted over a container's /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, written into its directory before each start (made
 * anew each time, so not fsynced).
 * @module
 */

import { writeFileAtomic } from "../../protocol/atomic_write.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { LOOPBACK_HOSTS } from "../oci/defaults.ts";
import type { Container } from "./container.ts";

/** The hostname a container gets. */
export function containerHostname(context: DaemonContext, container: Container): string {
  const { config, hostConfig } = container.record;
  const hostNames = hostConfig.NetworkMode === "host" || hostConfig.UTSMode === "host";
  if (hostNames && config.Hostname === container.id.slice(0, 12)) {
    return context.hostname;
  }
  return config.Hostname;
}

async function readHostFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** docker's `--add-host name:ip` entries as /etc/hosts lines. */
function extraHostLines(entries: string[]): string {
  return entries.map((entry) => {
    const colon = entry.indexOf(":");
    return `${entry.slice(colon + 1)}\t${entry.slice(0, colon)}\n`;
  }).join("");
}

/**
 * The host's resolv.conf with --dns, --dns-search and --dns-option in
 * place of its own nameserver, search and options lines.
 */
export function resolvConf(
  host: string,
  options: { dns: string[]; search: string[]; options: string[] },
): string {
  const lines = host.split("\n").filter((line) =>
    !(options.dns.length && /^\s*nameserver\b/.test(line)) &&
    !(options.search.length && /^\s*(search|domain)\b/.test(line)) &&
    !(options.options.length && /^\s*options\b/.test(line))
  );
  const text = lines.join("\n").replace(/\n*$/, "\n").replace(/^\n$/, "");
  return text +
    options.dns.map((server) => `nameserver ${server}\n`).join("") +
    (options.search.length ? `search ${options.search.join(" ")}\n` : "") +
    (options.options.length ? `options ${options.options.join(" ")}\n` : "");
}

/** Write hostname, hosts and resolv.conf for the next start. */
export async function writeEtcFiles(container: Container, hostname: string): Promise<void> {
  const { paths, record } = container;
  const { hostConfig } = record;
  const volatile = { durable: false };
  const [hostHosts, hostResolv] = await Promise.all([
    hostConfig.NetworkMode === "host" ? readHostFile("/etc/hosts") : undefined,
    readHostFile("/etc/resolv.conf"),
  ]);
  const hosts = (hostHosts ?? LOOPBACK_HOSTS.join("\n") + "\n") +
    extraHostLines(hostConfig.ExtraHosts ?? []);
  const resolv = resolvConf(hostResolv, {
    dns: hostConfig.Dns ?? [],
    search: hostConfig.DnsSearch ?? [],
    options: hostConfig.DnsOptions ?? [],
  });
  // Three small files side by side: this is on the way of every start.
  await Promise.all([
    writeFileAtomic(paths.hostname, `${hostname}\n`, volatile),
    writeFileAtomic(paths.hosts, hosts, volatile),
    writeFileAtomic(paths.resolvConf, resolv, volatile),
  ]);
}
