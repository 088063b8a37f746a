/**
 * GET /containers/{id}/json: a container in docker's inspect shape.
 * @module
 */

import { networkIdOf } from "../networks/networks.ts";
import { endpointId } from "../networks/bridge_network.ts";
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
    NetworkSettings: networkSettings(record, networkIdOf(context, record.hostConfig.NetworkMode)),
    // berth's own additions, under a name docker does not use.
    Berth: {
      Runtime: record.runtime,
      ShimStateDir: container.isRunning ? shimStateDir(context, record.id) : "",
      ShimProtocol: record.shimProtocol ?? null,
    },
  };
}

/**
 * Docker's NetworkSettings of a container (on network `networkId`): on a
 * bridge, while it is connected, its address, gateway, MAC and published
 * ports.
 */
export function networkSettings(record: ContainerRecord, networkId: string) {
  const mode = record.hostConfig.NetworkMode;
  const bridged = mode !== "none" && mode !== "host";
  const endpoint = record.endpoint;
  const address = {
    EndpointID: endpoint ? endpointId(record.id) : "",
    Gateway: endpoint?.gateway ?? "",
    IPAddress: endpoint?.ipAddress ?? "",
    IPPrefixLen: endpoint?.prefixLength ?? 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    MacAddress: endpoint?.macAddress ?? "",
  };
  return {
    Bridge: "",
    SandboxID: "",
    SandboxKey: endpoint?.sandboxKey ?? "",
    Ports: bridged ? inspectPorts(endpoint?.ports ?? [], record.config.ExposedPorts) : {},
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    ...address,
    // Joined to another container's namespace: no network of its own.
    Networks: mode.startsWith("container:") ? {} : {
      [mode]: {
        IPAMConfig: record.requestedIpv4 ? { IPv4Address: record.requestedIpv4 } : null,
        Links: null,
        Aliases: record.networkAliases ?? null,
        NetworkID: networkId,
        ...address,
        DriverOpts: null,
      },
    },
  };
}
