/**
 * docker's legacy links (`--link NAME[:ALIAS]`). On the default bridge the
 * linking container gets an /etc/hosts line for each linked one and
 * docker's environment variables (ALIAS_PORT_80_TCP=..., ALIAS_NAME, its
 * ALIAS_ENV_...); they are kept in HostConfig.Links as docker keeps them,
 * `/CHILD:/PARENT/ALIAS`. On a user-defined network a link is a name only
 * the linking container resolves (the network's name server answers it).
 * @module
 */

import type { Container } from "../containers/container.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest, Conflict, NotFound } from "../errors.ts";
import { attachmentTo } from "./attachments.ts";
import { BRIDGE_NETWORK } from "./bridge_network.ts";

/** `NAME[:ALIAS]` split; the alias is the name when not given. */
export function parseLink(text: string): { name: string; alias: string } {
  const [name, alias, ...rest] = text.split(":");
  if (!name || rest.length || alias === "") {
    throw new BadRequest(`invalid link format: ${text} (NAME[:ALIAS])`);
  }
  return { name: name.replace(/^\//, ""), alias: (alias ?? name).replace(/^.*\//, "") };
}

/**
 * HostConfig.Links of a create request, checked: each linked container
 * exists and is not on the host's network. Its name and the alias.
 */
export function checkLinks(context: DaemonContext, links: unknown): LinkTarget[] {
  if (links === undefined || links === null) return [];
  if (!Array.isArray(links) || links.some((link) => typeof link !== "string")) {
    throw new BadRequest("Links must be a list of strings");
  }
  return links.map((text: string) => {
    const { name, alias } = parseLink(text);
    const child = context.containers.find(name);
    if (!child) {
      throw new BadRequest(`could not get container for ${name}: No such container: ${name}`);
    }
    if (child.record.hostConfig.NetworkMode === "host") {
      throw new BadRequest(
        "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
      );
    }
    return { child: child.name, alias };
  });
}

/** A linked container (its name) and the alias it has for the linking one. */
export interface LinkTarget {
  child: string;
  alias: string;
}

/** Links as HostConfig keeps them for container `parent`. */
export function storedLinks(targets: LinkTarget[], parent: string): string[] {
  return targets.map(({ child, alias }) => `/${child}:/${parent}/${alias}`);
}

/** A stored link's linked container (by name or id) and alias. */
function storedLink(link: string): { child: string; alias: string } {
  const [child, path] = link.split(":");
  return { child: child.replace(/^\//, ""), alias: path.slice(path.lastIndexOf("/") + 1) };
}

/** What a start on the default bridge gets from its links: /etc/hosts lines and environment. */
export interface LinkedSetup {
  hostsLines: string;
  env: string[];
}

/**
 * The default-bridge links of a starting container: each linked container
 * must run on the default bridge (docker's words otherwise).
 */
export function linkedSetup(context: DaemonContext, container: Container): LinkedSetup {
  const links = container.record.hostConfig.Links ?? [];
  const setup: LinkedSetup = { hostsLines: "", env: [] };
  if (links.length === 0 || !attachmentTo(container.record.networks, BRIDGE_NETWORK)) return setup;
  for (const link of links) {
    const { child: name, alias } = storedLink(link);
    const child = context.containers.find(name);
    if (!child?.isRunning) {
      throw new Conflict(
        `Cannot link to a non running container: /${name} AS /${container.name}/${alias}`,
      );
    }
    const address = attachmentTo(child.record.networks, BRIDGE_NETWORK)?.endpoint?.ipAddress;
    if (!address) {
      throw new Conflict(
        `Cannot link to /${child.name}, as it does not belong to the default network`,
      );
    }
    const names = [
      alias,
      child.record.config.Hostname,
      ...(alias === child.name ? [] : [child.name]),
    ];
    setup.hostsLines += `${address}\t${names.join(" ")}\n`;
    setup.env.push(
      ...linkEnvironment({
        alias,
        path: `/${container.name}/${alias}`,
        address,
        env: child.record.config.Env,
        exposed: Object.keys(child.record.config.ExposedPorts ?? {}),
      }),
    );
  }
  return setup;
}

/** docker's link variables for one linked container. */
export function linkEnvironment(link: {
  alias: string;
  /** `/PARENT/ALIAS`. */
  path: string;
  address: string;
  env: string[];
  /** `80/tcp`, ... */
  exposed: string[];
}): string[] {
  const prefix = link.alias.toUpperCase().replaceAll("-", "_");
  const ports = link.exposed.map((key) => {
    const [port, protocol = "tcp"] = key.split("/");
    return { port: Number(port), protocol };
  }).filter((item) => Number.isInteger(item.port))
    // TCP first, then by number (docker's order).
    .sort((a, b) =>
      a.protocol === b.protocol
        ? a.port - b.port
        : a.protocol === "tcp"
        ? -1
        : b.protocol === "tcp"
        ? 1
        : a.protocol.localeCompare(b.protocol)
    );
  const env: string[] = [];
  ports.forEach(({ port, protocol }, index) => {
    const url = `${protocol}://${link.address}:${port}`;
    if (index === 0) env.push(`${prefix}_PORT=${url}`);
    const name = `${prefix}_PORT_${port}_${protocol.toUpperCase()}`;
    env.push(`${name}=${url}`, `${name}_ADDR=${link.address}`, `${name}_PORT=${port}`);
    env.push(`${name}_PROTO=${protocol}`);
  });
  env.push(`${prefix}_NAME=${link.path}`);
  for (const entry of link.env) {
    const equals = entry.indexOf("=");
    if (equals < 0) continue;
    const key = entry.slice(0, equals);
    if (key === "HOME" || key === "PATH") continue;
    env.push(`${prefix}_ENV_${key}=${entry.slice(equals + 1)}`);
  }
  return env;
}

/**
 * The linked container `name` stands for, for `asker` on `network` (a
 * user-defined network's `--link NAME:ALIAS`); undefined when it is none
 * of its links.
 */
export function linkedOnNetwork(
  context: DaemonContext,
  asker: Container,
  network: string,
  name: string,
): Container | undefined {
  for (const link of attachmentTo(asker.record.networks, network)?.links ?? []) {
    const { name: target, alias } = parseLink(link);
    if (alias.toLowerCase() !== name && `${alias}.${network}`.toLowerCase() !== name) continue;
    return context.containers.find(target);
  }
  return undefined;
}

/** DELETE /containers/{PARENT/ALIAS}?link=1: the link goes from its container's record. */
export async function removeLink(context: DaemonContext, ref: string): Promise<void> {
  const path = ref.replace(/^\//, "");
  const slash = path.lastIndexOf("/");
  if (slash < 0) {
    throw new BadRequest(`Conflict, cannot remove the default link name of the container`);
  }
  const parent = context.containers.get(path.slice(0, slash));
  await parent.lock.run(async () => {
    const links = parent.record.hostConfig.Links ?? [];
    const alias = path.slice(slash + 1);
    const kept = links.filter((link) => storedLink(link).alias !== alias);
    if (kept.length === links.length) throw new NotFound(`No such link: /${path}`);
    parent.record.hostConfig.Links = kept;
    await parent.save();
  });
}
