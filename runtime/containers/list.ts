/**
 * GET /containers/json: containers in docker's list shape, with the all,
 * limit and filters (status, name, id, label, exited, ancestor, volume) parameters.
 * @module
 */

import { healthNote } from "./health.ts";
import { humanDuration } from "../../lib/units.ts";
import { parseRfc3339 } from "../../protocol/timestamp.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { type Filters, matchesLabel } from "../filters.ts";
import type { Container, ContainerStatus } from "./container.ts";
import { networkSettings } from "./inspect.ts";
import { listPorts } from "../networks/port_bindings.ts";
import { liveEndpoints } from "../networks/attachments.ts";
import { networkIdOf } from "../networks/networks.ts";
import { inspectMounts } from "./mount_points.ts";

const STATUSES: ContainerStatus[] = [
  "created",
  "restarting",
  "running",
  "removing",
  "paused",
  "exited",
  "dead",
];
const CONTAINER_FILTERS = [
  "status",
  "name",
  "id",
  "label",
  "exited",
  "ancestor",
  "volume",
  "health",
  "network",
];

function matches(context: DaemonContext, container: Container, filters: Filters): boolean {
  const { record } = container;
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    let ok: boolean;
    switch (key) {
      case "status":
        ok = values.includes(record.state.Status);
        break;
      case "name":
        ok = values.some((value) => {
          try {
            return new RegExp(value).test(`/${record.name}`);
          } catch {
            return `/${record.name}`.includes(value);
          }
        });
        break;
      case "id":
        ok = values.some((value) => record.id.startsWith(value));
        break;
      case "label":
        ok = values.every((value) => matchesLabel(record.config.Labels, value));
        break;
      case "exited":
        ok = record.state.Status === "exited" &&
          values.some((value) => Number(value) === record.state.ExitCode);
        break;
      case "ancestor":
        ok = values.some((value) => {
          const image = context.images.find(value);
          return image?.id === record.imageId || value === record.config.Image;
        });
        break;
      case "health":
        // "none": no healthcheck; else the current health status.
        ok = values.includes(record.state.Health?.Status ?? "none");
        break;
      case "volume":
        ok = values.some((value) =>
          (record.mounts ?? []).some((point) => point.Name === value || point.Destination === value)
        );
        break;
      case "network": {
        // By name or id, as docker matches it: the networks it is connected to.
        const names = record.networks.length
          ? record.networks.map((attachment) => attachment.network)
          : [record.hostConfig.NetworkMode];
        ok = values.some((value) =>
          names.some((name) => name === value || networkIdOf(context, name) === value)
        );
        break;
      }
      default:
        ok = true;
    }
    if (!ok) return false;
  }
  return true;
}

/** Docker's human status: "Up 5 seconds", "Exited (0) 2 minutes ago". */
export function statusText(container: Container, now = Date.now()): string {
  const { state } = container.record;
  const since = (time: string) => humanDuration(now - parseRfc3339(time));
  switch (state.Status) {
    case "running":
      return `Up ${since(state.StartedAt)}${healthNote(state.Health)}`;
    case "paused":
      return `Up ${since(state.StartedAt)} (Paused)`;
    case "exited":
      return `Exited (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
    case "restarting":
      return `Restarting (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
    case "removing":
      return "Removal In Progress";
    case "dead":
      return "Dead";
    default:
      return "Created";
  }
}

/**
 * The list, as GET /containers/json answers it: the Docker API's
 * containers, or with `cri` (berth's `cri=1`) the CRI's pods' holders and
 * containers instead, as containerd keeps its `k8s.io` namespace apart.
 */
export function listContainers(
  context: DaemonContext,
  options: { all: boolean; limit: number; filters: Filters; cri?: boolean },
) {
  for (const key of options.filters.keys()) {
    if (!CONTAINER_FILTERS.includes(key)) throw new BadRequest(`invalid filter '${key}'`);
  }
  for (const status of options.filters.get("status") ?? []) {
    if (!STATUSES.includes(status as ContainerStatus)) {
      throw new BadRequest(`invalid filter 'status=${status}'`);
    }
  }
  const showAll = options.all || options.limit > 0 || options.filters.has("status") ||
    options.filters.has("exited");
  let containers = context.containers.list().filter((container) =>
    Boolean(container.record.cri) === Boolean(options.cri) &&
    (showAll || container.isRunning || container.state.Status === "restarting") &&
    matches(context, container, options.filters)
  );
  if (options.limit > 0) containers = containers.slice(0, options.limit);
  const now = Date.now();
  return containers.map((container) => {
    const { record } = container;
    const endpoints = liveEndpoints(record.networks);
    // Docker shows the name used at create while it still names the image.
    const named = context.images.find(record.config.Image)?.id === record.imageId;
    return {
      Id: record.id,
      Names: [`/${record.name}`],
      Image: named ? record.config.Image : record.imageId,
      ImageID: record.imageId,
      Command: [record.path, ...record.args.map((arg) => arg.includes(" ") ? `'${arg}'` : arg)]
        .join(" "),
      Created: Math.floor(parseRfc3339(record.created) / 1000),
      Ports: endpoints.length
        ? listPorts(endpoints.flatMap((endpoint) => endpoint.ports), record.config.ExposedPorts)
        : [],
      Labels: record.config.Labels,
      State: record.state.Status,
      Status: statusText(container, now),
      HostConfig: { NetworkMode: record.hostConfig.NetworkMode },
      NetworkSettings: {
        Networks: networkSettings(context, record).Networks,
      },
      Mounts: inspectMounts(record.mounts),
    };
  });
}
