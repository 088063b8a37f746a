/**
 * Published ports: docker's PortBindings (and PublishAllPorts over the
 * exposed ports) checked and spelled out one port at a time, and the two
 * shapes docker reports them in (inspect's NetworkSettings.Ports and the
 * list's Ports).
 * @module
 */

import { BadRequest } from "../errors.ts";
import { parseIpv4 } from "./ipv4.ts";

/** Protocols a port can be published for. */
const PROTOCOLS = ["tcp", "udp", "sctp"] as const;

/** A port's protocol. */
export type PortProtocol = typeof PROTOCOLS[number];

/** One container port published on the host. */
export interface PublishedPort {
  protocol: PortProtocol;
  containerPort: number;
  /** The host address it is published on; "" for all of them. */
  hostIp: string;
  /** 0 until a free port is picked (no host port asked for). */
  hostPort: number;
  /** The last host port of a range to pick `hostPort` from (`-p 8000-8010:80`). */
  hostPortEnd?: number;
}

/** docker's PortBindings: `"80/tcp"` → where on the host. */
export type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

/** `PORT` or `START-END` as [start, end]; undefined when it is neither. */
function parseRange(text: string): [number, number] | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start < 1 || end > 65535 || end < start) return undefined;
  return [start, end];
}

/** `PORT[-END][/PROTO]` as its ports and protocol. */
function parsePortKey(key: string): { ports: [number, number]; protocol: PortProtocol } {
  const [ports, protocol = "tcp", ...rest] = key.split("/");
  const range = parseRange(ports);
  if (!range || rest.length) throw new BadRequest(`invalid containerPort: ${ports}`);
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new BadRequest(`invalid proto: ${protocol}`);
  }
  return { ports: range, protocol: protocol as PortProtocol };
}

/**
 * The ports a create request publishes: every binding of `bindings`, and
 * with `publishAll` every exposed port that has none (on a port the daemon
 * picks). Bad ports, protocols and host addresses are a BadRequest.
 */
export function requestedPorts(
  bindings: unknown,
  publishAll: boolean,
  exposed: Record<string, unknown> | null | undefined,
): PublishedPort[] {
  if (bindings !== undefined && bindings !== null && typeof bindings !== "object") {
    throw new BadRequest("PortBindings must be an object");
  }
  const ports: PublishedPort[] = [];
  const bound = new Set<string>();
  for (const [key, hosts] of Object.entries((bindings ?? {}) as PortBindings)) {
    const { ports: [start, end], protocol } = parsePortKey(key);
    for (const host of hosts?.length ? hosts : [{}]) {
      const hostIp = host?.HostIp ?? "";
      if (hostIp !== "" && hostIp !== "0.0.0.0" && parseIpv4(hostIp) === undefined) {
        throw new BadRequest(
          hostIp.includes(":")
            ? `invalid host IP ${hostIp}: berth publishes ports on IPv4 addresses only`
            : `invalid IP address: ${hostIp}`,
        );
      }
      const hostPorts = host?.HostPort ? parseRange(host.HostPort) : [0, 0];
      if (!hostPorts) throw new BadRequest(`invalid hostPort: ${host?.HostPort}`);
      const count = end - start + 1;
      const hostCount = hostPorts[1] - hostPorts[0] + 1;
      if (hostPorts[0] !== 0 && count > 1 && hostCount !== count) {
        throw new BadRequest(`invalid ranges specified for container and host Ports: ${key}`);
      }
      for (let offset = 0; offset < count; offset++) {
        const oneHostPort = hostPorts[0] === 0
          ? 0
          : count > 1
          ? hostPorts[0] + offset
          : hostPorts[0];
        ports.push({
          protocol,
          containerPort: start + offset,
          hostIp: hostIp === "0.0.0.0" ? "" : hostIp,
          hostPort: oneHostPort,
          ...(count === 1 && hostCount > 1 ? { hostPortEnd: hostPorts[1] } : {}),
        });
        bound.add(`${start + offset}/${protocol}`);
      }
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { ports: [start, end], protocol } = parsePortKey(key);
      for (let port = start; port <= end; port++) {
        if (bound.has(`${port}/${protocol}`)) continue;
        ports.push({ protocol, containerPort: port, hostIp: "", hostPort: 0 });
      }
    }
  }
  return ports;
}

/** inspect's NetworkSettings.Ports: every exposed or published port, null when not published. */
export function inspectPorts(
  published: PublishedPort[],
  exposed: Record<string, unknown> | null | undefined,
): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(exposed ?? {})) {
    ports[key.includes("/") ? key : `${key}/tcp`] = null;
  }
  for (const port of published) {
    const key = `${port.containerPort}/${port.protocol}`;
    (ports[key] ??= []).push({ HostIp: port.hostIp || "0.0.0.0", HostPort: String(port.hostPort) });
  }
  return ports;
}

/** The container list's Ports: published ports, then exposed ones not published. */
export function listPorts(
  published: PublishedPort[],
  exposed: Record<string, unknown> | null | undefined,
): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const list: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = published
    .map((port) => ({
      IP: port.hostIp || "0.0.0.0",
      PrivatePort: port.containerPort,
      PublicPort: port.hostPort,
      Type: port.protocol,
    }));
  for (const key of Object.keys(exposed ?? {})) {
    const [port, protocol = "tcp"] = key.split("/");
    const number = Number(port);
    if (!Number.isInteger(number)) continue;
    if (published.some((item) => item.containerPort === number && item.protocol === protocol)) {
      continue;
    }
    list.push({ PrivatePort: number, Type: protocol });
  }
  return list;
}
