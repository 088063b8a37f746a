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
import { idTranslation } from "../system/userns.ts";
import { liveEndpoints } from "../networks/attachments.ts";

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

/** docker's `--add-host name:ip` entries as /etc/hosts lines (`host-gateway`: the bridge's address). */
function extraHostLines(entries: string[], hostGateway: string | undefined): string {
  return entries.map((entry) => {
    const colon = entry.indexOf(":");
    const address = entry.slice(colon + 1);
    return `${address === "host-gateway" ? hostGateway : address}\t${entry.slice(0, colon)}\n`;
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

/**
 * The host's resolv.conf for a container on the bridge: a nameserver on
 * the host's loopback is not reachable from there, so those lines go and,
 * when none is left, docker's fallback servers come instead.
 */
export function withoutLoopbackServers(host: string): string {
  const loopback = /^\s*nameserver\s+(127\.|::1\b)/;
  const lines = host.split("\n").filter((line) => !loopback.test(line));
  if (lines.some((line) => /^\s*nameserver\b/.test(line))) return lines.join("\n");
  return lines.join("\n").replace(/\n*$/, "\n") + "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
}

/** The texts of hostname, hosts and resolv.conf, as the container's endpoints now are. */
async function etcFileTexts(
  container: Container,
  hostname: string,
  hostGateway: string | undefined,
): Promise<[hostname: string, hosts: string, resolvConf: string]> {
  const { record } = container;
  const { hostConfig } = record;
  const [hostHosts, hostResolv] = await Promise.all([
    hostConfig.NetworkMode === "host" ? readHostFile("/etc/hosts") : undefined,
    readHostFile("/etc/resolv.conf"),
  ]);
  // On its networks the container's own name resolves to its addresses.
  const endpoints = liveEndpoints(record.networks);
  const ownLines = endpoints.flatMap((endpoint) => [
    `${endpoint.ipAddress}\t${hostname}\n`,
    ...(endpoint.ipv6Address ? [`${endpoint.ipv6Address}\t${hostname}\n`] : []),
  ]).join("");
  const hosts = (hostHosts ?? LOOPBACK_HOSTS.join("\n") + "\n") +
    extraHostLines(hostConfig.ExtraHosts ?? [], hostGateway) + (record.linked?.hostsLines ?? "") +
    ownLines;
  // On a user-defined network its name server answers (and asks the host's).
  const dnsServer = endpoints.find((endpoint) => endpoint.dnsServer)?.dnsServer;
  const base = dnsServer
    ? resolvConf(hostResolv, { dns: [dnsServer], search: [], options: [] })
    : endpoints.length
    ? withoutLoopbackServers(hostResolv)
    : hostResolv;
  const resolv = resolvConf(base, {
    dns: hostConfig.Dns ?? [],
    search: hostConfig.DnsSearch ?? [],
    options: hostConfig.DnsOptions ?? [],
  });
  return [`${hostname}\n`, hosts, resolv];
}

/**
 * Write hostname, hosts and resolv.conf for the next start; `hostGateway`
 * is the bridge's address (for `--add-host NAME:host-gateway`).
 */
export async function writeEtcFiles(
  container: Container,
  hostname: string,
  hostGateway?: string,
): Promise<void> {
  const { paths, record } = container;
  const texts = await etcFileTexts(container, hostname, hostGateway);
  // Readable by every user of the container, as docker's; a remapped
  // container's root owns them.
  const options = { durable: false, mode: 0o644 };
  const ids = idTranslation(record.idMapping);
  // Three small files side by side: this is on the way of every start.
  const targets = [paths.hostname, paths.hosts, paths.resolvConf];
  await Promise.all(targets.map(async (path, index) => {
    await writeFileAtomic(path, texts[index], options);
    if (record.idMapping) await Deno.chown(path, ids.toHost(0, "uid"), ids.toHost(0, "gid"));
  }));
}

/**
 * Bring a running container's hosts and resolv.conf up to date with its
 * endpoints (after a network connect or disconnect). They are bind-mounted,
 * so they are rewritten in place, not replaced.
 */
export async function refreshEtcFiles(
  container: Container,
  hostname: string,
  hostGateway?: string,
): Promise<void> {
  const [, hosts, resolv] = await etcFileTexts(container, hostname, hostGateway);
  const { paths } = container;
  await Promise.all([
    Deno.writeTextFile(paths.hosts, hosts),
    Deno.writeTextFile(paths.resolvConf, resolv),
  ]);
}
