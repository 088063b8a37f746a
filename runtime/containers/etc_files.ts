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
  if (hostConfig.NetworkMode === "host" && config.Hostname === container.id.slice(0, 12)) {
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

/** Write hostname, hosts and resolv.conf for the next start. */
export async function writeEtcFiles(container: Container, hostname: string): Promise<void> {
  const { paths, record } = container;
  const volatile = { durable: false };
  await writeFileAtomic(paths.hostname, `${hostname}\n`, volatile);
  const hosts = record.hostConfig.NetworkMode === "host"
    ? await readHostFile("/etc/hosts")
    : LOOPBACK_HOSTS.join("\n") + "\n";
  await writeFileAtomic(paths.hosts, hosts, volatile);
  await writeFileAtomic(paths.resolvConf, await readHostFile("/etc/resolv.conf"), volatile);
}
