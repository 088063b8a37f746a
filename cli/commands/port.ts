/**
 * `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`
 * @module
 */

import type { Command } from "../command.ts";
import { outLine } from "../output.ts";

type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

/** `80/tcp` before `443/tcp`, by number then protocol. */
function byPort(a: string, b: string): number {
  return parseInt(a) - parseInt(b) || a.localeCompare(b);
}

export const command: Command = {
  usage: "port CONTAINER [PRIVATE_PORT[/PROTO]]",
  description: "List port mappings or a specific mapping for the container",
  flags: [],
  minArgs: 1,
  maxArgs: 2,
  async run({ client }, flags) {
    const [container, wanted] = flags.positionals;
    const inspected = await client.json<{ NetworkSettings: { Ports: PortMap | null } }>(
      "GET",
      `/containers/${encodeURIComponent(container)}/json`,
    );
    const ports = inspected.NetworkSettings.Ports ?? {};
    if (wanted !== undefined) {
      const key = wanted.includes("/") ? wanted : `${wanted}/tcp`;
      if (!/^\d+\/(tcp|udp|sctp)$/.test(key)) {
        throw new Error(`Invalid port: ${wanted}`);
      }
      const bindings = ports[key];
      if (!bindings?.length) {
        throw new Error(`No public port '${key}' published for ${container}`);
      }
      for (const binding of bindings) outLine(`${binding.HostIp}:${binding.HostPort}`);
      return 0;
    }
    for (const key of Object.keys(ports).sort(byPort)) {
      for (const binding of ports[key] ?? []) {
        outLine(`${key} -> ${binding.HostIp}:${binding.HostPort}`);
      }
    }
    return 0;
  },
};
