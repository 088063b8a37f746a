/**
 * GET /containers/{id}/json: a container in docker's inspect shape.
 * @module
 */

import { networkIdOf } from "../networks/networks.ts";
import { endpointId } from "../networks/bridge_network.ts";
import { liveEndpoints } from "../networks/attachments.ts";
import type { BridgeEndpoint } from "../networks/bridge_driver.ts";
import { inspectPorts } from "../networks/port_bindings.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import type { Container, ContainerRecord } from "./container.ts";
import { inspectMounts } from "./mount_points.ts";

/** Docker's `docker inspect` document for a container. */
export function inspectContainer(context: DaemonContext, container: Container) {
  const { record, paths } = container;
  const state = record.state;
  const lower = [...record.layers].reverse().map((diffId) => context.layers.diffPath(diffId));
  return {
    Id: record.id,
    Created: record.created,
    Path: record.path,
    Args: record.args,
    State: {
      Status: state.Status,
      Running: state.Status === "running" || state.Status === "paused",
      Paused: state.Status === "paused",
      Restarting: state.Status === "restarting",
      OOMKilled: state.OOMKilled,
      Dead: state.Status === "dead",
      Pid: state.Pid,
      ExitCode: state.ExitCode,
      Error: state.Error,
      StartedAt: state.StartedAt,
      FinishedAt: state.FinishedAt,
      ...(state.Health ? { Health: state.Health } : {}),
    },
    Image: record.imageId,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: container.logFile?.path ?? "",
    Name: `/${record.name}`,
    RestartCount: record.restartCount,
    Driver: "overlay2",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: context.execs.idsOf(record.id).length ? context.execs.idsOf(record.id) : null,
    HostConfig: record.hostConfig,
    GraphDriver: {
      Name: "overlay2",
      Data: {
        LowerDir: lower.join(":"),
        MergedDir: paths.rootfs,
        UpperDir: paths.upper,
        WorkDir: paths.work,
      },
    },
    Mounts: inspectMounts(record.mounts),
    Config: record.config,
    NetworkSettings: networkSettings(context, record),
    // berth's own additions, under a name docker does not use.
    Berth: {
      Runtime: record.runtime,
      ShimStateDir: container.isRunning ? shimStateDir(context, record.id) : "",
      ShimProtocol: record.shimProtocol ?? null,
    },
  };
}

/**
 * Docker's NetworkSettings of a container: per network it is connected to,
 * what it asked for and, while it runs, its address, gateway and MAC; the
 * top-level fields (docker's older view) and the published ports are its
 * first endpoint's.
 */
export function networkSettings(context: DaemonContext, record: ContainerRecord) {
  const mode = record.hostConfig.NetworkMode;
  const bridged = mode !== "none" && mode !== "host";
  const endpoints = liveEndpoints(record.networks);
  const first = endpoints[0];
  const addressOf = (endpoint: BridgeEndpoint | undefined, requestedMac = "") => ({
    EndpointID: endpoint ? endpointId(record.id, endpoint) : "",
    Gateway: endpoint?.gateway ?? "",
    IPAddress: endpoint?.ipAddress ?? "",
    IPPrefixLen: endpoint?.prefixLength ?? 0,
    IPv6Gateway: endpoint?.ipv6Gateway ?? "",
    GlobalIPv6Address: endpoint?.ipv6Address ?? "",
    GlobalIPv6PrefixLen: endpoint?.ipv6PrefixLength ?? 0,
    MacAddress: endpoint?.macAddress ?? requestedMac,
  });
  // Joined to another container's namespace (container:): no network of its own.
  const networks: Record<string, unknown> = {};
  if (mode === "host" || mode === "none") {
    networks[mode] = {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      NetworkID: networkIdOf(context, mode),
      ...addressOf(undefined),
      DriverOpts: null,
    };
  }
  for (const attachment of record.networks) {
    const ipam = attachment.ipv4Address || attachment.ipv6Address || attachment.linkLocalIps
      ? {
        ...(attachment.ipv4Address ? { IPv4Address: attachment.ipv4Address } : {}),
        ...(attachment.ipv6Address ? { IPv6Address: attachment.ipv6Address } : {}),
        ...(attachment.linkLocalIps ? { LinkLocalIPs: attachment.linkLocalIps } : {}),
      }
      : null;
    networks[attachment.network] = {
      IPAMConfig: ipam,
      Links: attachment.links?.length ? attachment.links : null,
      Aliases: attachment.aliases?.length ? attachment.aliases : null,
      NetworkID: networkIdOf(context, attachment.network),
      ...addressOf(attachment.endpoint, attachment.macAddress),
      DriverOpts: attachment.driverOpts ?? null,
    };
  }
  return {
    Bridge: "",
    SandboxID: "",
    SandboxKey: first?.sandboxKey ?? "",
    Ports: bridged
      ? inspectPorts(endpoints.flatMap((endpoint) => endpoint.ports), record.config.ExposedPorts)
      : {},
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    ...addressOf(first),
    Networks: networks,
  };
}
