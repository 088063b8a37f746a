/**
 * POST /containers/create: validate the request, merge it with the image's
 * defaults, and persist a container in the "created" state. Nothing runs
 * yet; a failure leaves nothing behind.
 * @module
 */

import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { parseSize } from "../../lib/units.ts";
import { type DaemonContext, shimStateDir } from "../daemon_context.ts";
import { LOG_DRIVERS } from "../daemon_flags.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { newId, randomName, validateContainerName } from "../ids.ts";
import { BRIDGE_NETWORK } from "../networks/bridge_network.ts";
import {
  attachmentOf,
  isBridged,
  type NetworkAttachment,
  withShortIdAlias,
} from "../networks/attachments.ts";
import { checkLinks, storedLinks } from "../networks/links.ts";
import type { Image } from "../images/image_store.ts";
import { matchesPlatform, parsePlatform, type Platform } from "../images/pull.ts";
import { normalizeResources } from "../oci/resources.ts";
import { containerRlimits } from "../oci/rlimits.ts";
import { checkArgumentSize, stackLimit } from "../oci/argument_limits.ts";
import { processEnv } from "../oci/spec.ts";
import { hostCpus } from "../system/host_cpus.ts";
import { hostDevice } from "../system/host_devices.ts";
import { findInitBinary } from "../system/init_binary.ts";
import { discardStandbyShim } from "../shims/shim_launcher.ts";
import { parseSignal } from "../signals.ts";
import {
  Container,
  type ContainerConfig,
  containerPaths,
  type ContainerRecord,
  createdState,
  type HostConfig,
} from "./container.ts";
import { validateHealthcheck } from "./health.ts";
import {
  checkEndpointConfig,
  checkJoinedNetwork,
  normalizeHostOptions,
  publishesPorts,
} from "./host_options.ts";
import { mountRequests } from "./mount_requests.ts";
import { containerEvent } from "./container_events.ts";
import { prepareMounts, removeAnonymousVolumes } from "./mounts.ts";
import { inheritedMounts } from "./volumes_from.ts";
import { normalizeRestartPolicy } from "./restart_policy.ts";
import { checkRemappedOptions } from "../system/userns.ts";
import type { CriInfo } from "../cri/cri_record.ts";

/** The request body of POST /containers/create (docker's shape). */
export type CreateRequest = Partial<ContainerConfig> & {
  HostConfig?: Partial<HostConfig>;
  /** Before API 1.44 the MAC address was part of the config. */
  MacAddress?: string;
  NetworkingConfig?: { EndpointsConfig?: Record<string, unknown> | null } | null;
};

/** What the CRI's creates add to a request (docker's have none of it). */
export interface CreateExtras {
  /** The image, when it is not one of the store's (a pod sandbox's holder). */
  image?: Image;
  /** An id taken from the shim pool for this container (its pod's group). */
  id?: string;
  cri?: CriInfo;
}

/** Create a container; returns it once its record is on disk. */
export async function createContainer(
  context: DaemonContext,
  requestedName: string | undefined,
  request: CreateRequest,
  platform?: string,
  extras: CreateExtras = {},
): Promise<Container> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  if (!request.Image || typeof request.Image !== "string") {
    throw new BadRequest("Config.Image is required");
  }
  const image = extras.image ?? context.images.resolve(request.Image);
  if (platform) checkPlatform(request.Image, image, parsePlatform(platform));
  const config = mergeConfig(request, image, "");
  const hostConfig = normalizeHostConfig(context, request.HostConfig ?? {});
  const networks = requestedAttachments(
    context,
    request,
    hostConfig.NetworkMode,
    request.HostConfig?.NetworkMode || "default",
  );
  const links = checkLinks(context, request.HostConfig?.Links);
  if (links.length && hostConfig.NetworkMode === "host") {
    throw new BadRequest(
      "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    );
  }
  // On a user-defined network a link is a name on that network.
  if (links.length && networks[0] && networks[0].network !== BRIDGE_NETWORK) {
    const given = networks[0].links ?? [];
    networks[0].links = [
      ...new Set([...given, ...links.map(({ child, alias }) => `${child}:${alias}`)]),
    ];
  }
  if (hostConfig.NetworkMode.startsWith("container:") && request.Hostname) {
    throw new BadRequest("conflicting options: hostname and the network mode");
  }
  // Joining another container's network joins its user namespace too: the
  // host's when that one is not remapped.
  const joined = hostConfig.NetworkMode.startsWith("container:")
    ? context.containers.find(hostConfig.NetworkMode.slice("container:".length))
    : undefined;
  const remapped = context.remap !== undefined && hostConfig.UsernsMode !== "host" &&
    (joined === undefined || joined.record.idMapping !== undefined);
  if (context.remap) checkRemappedOptions(hostConfig);
  const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (command.length === 0) throw new BadRequest("No command specified");
  checkArgumentSize(
    command,
    processEnv({ env: config.Env, hostname: config.Hostname, tty: config.Tty, home: "/" }),
    { stackLimit: stackLimit(hostConfig.Ulimits) },
  );
  const inherited = inheritedMounts(context, request.HostConfig?.VolumesFrom);
  const mounts = mountRequests(
    request.HostConfig ?? {},
    Object.keys(config.Volumes ?? {}),
    new Set(inherited.map((point) => point.Destination)),
  );
  const ownPaths = new Set(mounts.map((mount) => mount.destination));
  // Kept as given (docker keeps it); only a volume to make needs the driver.
  const volumeDriver = request.HostConfig?.VolumeDriver;
  if (volumeDriver && volumeDriver !== "local" && mounts.some((mount) => mount.type === "volume")) {
    // docker's answer for a volume plugin it does not have
    throw new NotFound(
      `error looking up volume plugin ${volumeDriver}: plugin "${volumeDriver}" not found`,
    );
  }

  let name: string;
  if (requestedName) {
    const valid = validateContainerName(requestedName);
    if (!valid) {
      throw new BadRequest(
        `Invalid container name (${requestedName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    name = valid;
    context.containers.checkNameFree(name);
  } else {
    do name = randomName(); while (!context.containers.nameFree(name));
  }
  // All is valid: take an id. A reserved one comes with a shim already booted.
  const pooled = extras.id ?? context.shimPool.take();
  const id = pooled ?? newId();
  config.Hostname ||= id.slice(0, 12);
  context.containers.reserveName(name, id);
  if (links.length) hostConfig.Links = storedLinks(links, name);
  for (const attachment of networks) {
    if (attachment.network !== BRIDGE_NETWORK) {
      attachment.aliases = withShortIdAlias(attachment.aliases, id);
    }
  }

  const record: ContainerRecord = {
    version: 1,
    id,
    name,
    created: formatRfc3339Nano(preciseNow()),
    path: command[0],
    args: command.slice(1),
    config,
    hostConfig,
    imageId: image.id,
    layers: image.config.rootfs.diff_ids,
    runtime: hostConfig.Runtime,
    state: createdState(),
    restartCount: 0,
    networks,
    ...(extras.cri ? { cri: extras.cri } : {}),
    ...(remapped
      ? {
        idMapping: joined?.record.idMapping ?? { uid: context.remap!.uid, gid: context.remap!.gid },
      }
      : {}),
  };
  const paths = containerPaths(context.flags.root, id);
  try {
    await Deno.mkdir(`${paths.dir}/fs`, { recursive: true, mode: 0o700 });
    await Promise.all(
      [paths.bundle, paths.upper, paths.work, paths.rootfs].map((dir) =>
        Deno.mkdir(dir, { mode: 0o700 })
      ),
    );
    // The upper dir's root is the container's "/": 0755, as docker's.
    await Deno.chmod(paths.upper, 0o755);
    const container = new Container(record, context.flags.root);
    await prepareMounts(
      context,
      container,
      mounts,
      inherited.filter((point) => !ownPaths.has(point.Destination)),
    );
    try {
      // A --rm container's record need not outlive a power loss (a torn one
      // is a directory without a record, which the next daemon removes): no
      // fsync, worth 5 ms of `run --rm` on a disk.
      await container.save({ durable: !hostConfig.AutoRemove });
    } catch (error) {
      await removeAnonymousVolumes(context, container);
      throw error;
    }
    context.containers.add(container);
    containerEvent(context, container, "create");
    return container;
  } catch (error) {
    context.containers.releaseName(name, id);
    await Deno.remove(paths.dir, { recursive: true }).catch(() => {});
    if (pooled) await discardStandbyShim(shimStateDir(context, id));
    throw error;
  }
}

/**
 * `create --platform`: the local image must be of that platform. A 404 in
 * docker's words, so that clients pull the platform's image and try again.
 */
function checkPlatform(reference: string, image: Image, wanted: Platform): void {
  if (matchesPlatform(image.config, wanted)) return;
  const { os, architecture, variant } = image.config;
  const actual = [os, architecture, variant].filter(Boolean).join("/");
  const asked = [wanted.os, wanted.architecture, wanted.variant].filter(Boolean).join("/");
  throw new NotFound(
    `image with reference ${reference} was found but does not match the specified platform: ` +
      `wanted ${asked}, actual: ${actual}`,
  );
}

function stringList(value: unknown, field: string): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value === "string") return [value];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new BadRequest(`${field} must be a list of strings`);
  }
  return value;
}

/** Key of an `ENV=value` entry. */
function envKey(entry: string): string {
  const index = entry.indexOf("=");
  return index < 0 ? entry : entry.slice(0, index);
}

/** Docker's merge of a create request with the image's config. */
export function mergeConfig(request: CreateRequest, image: Image, id: string): ContainerConfig {
  const defaults = image.config.config ?? {};
  const requestEnv = stringList(request.Env, "Env") ?? [];
  for (const entry of requestEnv) {
    if (envKey(entry) === "") throw new BadRequest(`invalid environment variable: ${entry}`);
  }
  const requestKeys = new Set(requestEnv.map(envKey));
  const env = [
    ...(defaults.Env ?? []).filter((entry) => !requestKeys.has(envKey(entry))),
    ...requestEnv,
  ];

  let entrypoint = stringList(request.Entrypoint, "Entrypoint");
  let cmd = stringList(request.Cmd, "Cmd");
  // `--entrypoint ""` resets the image's entrypoint.
  const resetEntrypoint = entrypoint?.length === 1 && entrypoint[0] === "";
  if (resetEntrypoint) entrypoint = [];
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = defaults.Cmd ?? null;
    if (!resetEntrypoint && !entrypoint) entrypoint = defaults.Entrypoint ?? null;
  }
  const workingDir = request.WorkingDir || defaults.WorkingDir || "";
  if (workingDir && !workingDir.startsWith("/")) {
    throw new BadRequest(
      `the working directory '${workingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  const stopSignal = request.StopSignal || defaults.StopSignal || undefined;
  if (stopSignal && parseSignal(stopSignal) === undefined) {
    throw new BadRequest(`Invalid signal: ${stopSignal}`);
  }
  if (
    request.StopTimeout !== undefined && request.StopTimeout !== null &&
    !Number.isInteger(request.StopTimeout)
  ) {
    throw new BadRequest("StopTimeout must be a whole number of seconds");
  }
  const labels = request.Labels ?? {};
  if (typeof labels !== "object" || Array.isArray(labels)) {
    throw new BadRequest("Labels must be an object");
  }
  return {
    Hostname: request.Hostname || (id ? id.slice(0, 12) : ""),
    Domainname: request.Domainname ?? "",
    User: request.User || defaults.User || "",
    AttachStdin: Boolean(request.AttachStdin),
    AttachStdout: Boolean(request.AttachStdout),
    AttachStderr: Boolean(request.AttachStderr),
    ExposedPorts: { ...defaults.ExposedPorts, ...request.ExposedPorts },
    Tty: Boolean(request.Tty),
    OpenStdin: Boolean(request.OpenStdin),
    StdinOnce: Boolean(request.StdinOnce),
    Env: env,
    Cmd: cmd ?? null,
    Healthcheck: validateHealthcheck(request.Healthcheck) ?? defaults.Healthcheck,
    Image: request.Image!,
    Volumes: { ...defaults.Volumes, ...request.Volumes },
    WorkingDir: workingDir,
    Entrypoint: entrypoint ?? null,
    OnBuild: null,
    Labels: { ...defaults.Labels, ...labels },
    StopSignal: stopSignal,
    StopTimeout: request.StopTimeout ?? undefined,
  };
}

/**
 * The network a container joins: "default" is the bridge (none when the
 * daemon runs with `--bridge none`), or a user-defined one.
 */
function containerNetworkMode(context: DaemonContext, requested: string): string {
  const mode = requested === "default" ? (context.bridge ? BRIDGE_NETWORK : "none") : requested;
  if (mode === "none" || mode === "host" || (mode === BRIDGE_NETWORK && context.bridge)) {
    return mode;
  }
  if (mode.startsWith("container:")) {
    // Another container's namespace: kept by its id (a rename changes nothing).
    const ref = mode.slice("container:".length);
    const target = context.containers.find(ref);
    if (!target) throw new NotFound(`No such container: ${ref}`);
    return `container:${target.id}`;
  }
  // A user-defined network, by name or id: kept by name.
  const network = mode === BRIDGE_NETWORK ? undefined : context.networks.find(mode);
  if (!network) throw new NotFound(`network ${mode} not found`);
  return network.record.name;
}

/**
 * The networks a create request joins, the one of `mode` (NetworkMode, by
 * name; `requestedMode` as the request named it) first, each with its EndpointSettings checked; another network in
 * EndpointsConfig must exist (docker's 404) and needs a bridged mode.
 */
function requestedAttachments(
  context: DaemonContext,
  request: CreateRequest,
  mode: string,
  requestedMode: string,
): NetworkAttachment[] {
  const configs = request.NetworkingConfig?.EndpointsConfig ?? {};
  if (typeof configs !== "object" || Array.isArray(configs)) {
    throw new BadRequest("NetworkingConfig.EndpointsConfig must be an object");
  }
  const byName = new Map<string, unknown>();
  for (const [ref, config] of Object.entries(configs)) {
    // The request's own name for its NetworkMode ("default", an id) is that network.
    const name = ref === requestedMode || ref === mode
      ? mode
      : PREDEFINED_MODES.has(ref)
      ? ref
      : context.networks.find(ref)?.record.name;
    if (!name) throw new NotFound(`network ${ref} not found`);
    byName.set(name, config);
  }
  // Config.MacAddress (before API 1.44) is the first network's.
  const legacyMac = typeof request.MacAddress === "string" && request.MacAddress
    ? request.MacAddress
    : undefined;
  if (!isBridged(mode)) {
    if (legacyMac || [...byName.values()].some((config) => isSet(config, "MacAddress"))) {
      throw new BadRequest("conflicting options: mac-address and the network mode");
    }
    for (const [name, config] of byName) {
      if (name !== mode) throw new BadRequest(conflictWithMode(mode));
      checkEndpointConfig(config, false);
    }
    return [];
  }
  for (const name of byName.keys()) {
    if (name === "host" || name === "none" || name.startsWith("container:")) {
      throw new BadRequest(conflictWithMode(name));
    }
  }
  const names = [mode, ...[...byName.keys()].filter((name) => name !== mode)];
  return names.map((name, index) => {
    const config = byName.get(name);
    const withMac = index === 0 && legacyMac && !isSet(config, "MacAddress")
      ? { ...(config ?? {}), MacAddress: legacyMac }
      : config;
    return attachmentOf(name, checkEndpointConfig(withMac, isUserNetwork(name)));
  });
}

/** True when `config` is an object with `field` set to something. */
function isSet(config: unknown, field: string): boolean {
  return typeof config === "object" && config !== null &&
    Boolean((config as Record<string, unknown>)[field]);
}

/** Network modes that are not user-defined networks' names. */
const PREDEFINED_MODES = new Set([BRIDGE_NETWORK, "host", "none"]);

/** Docker's refusal of another network beside a mode without one of its own. */
function conflictWithMode(mode: string): string {
  return mode === "none"
    ? "container cannot be connected to multiple networks with one of the networks in private (none) mode"
    : "container sharing network namespace with another container or host cannot be connected to any other network";
}

/** True for a user-defined network's name (none, host, bridge, container: are not). */
function isUserNetwork(mode: string): boolean {
  return mode !== "none" && mode !== "host" && mode !== BRIDGE_NETWORK &&
    !mode.startsWith("container:");
}

const LOG_OPTIONS = new Set(["max-size", "max-file", "labels", "env", "env-regex", "tag"]);

/** Log drivers docker has that berth does not (refused as unsupported, not unknown). */
const DOCKER_LOG_DRIVERS = new Set([
  "local",
  "syslog",
  "journald",
  "gelf",
  "fluentd",
  "awslogs",
  "splunk",
  "etwlogs",
  "gcplogs",
  "logentries",
]);

/** Validate and fill in the HostConfig. */
export function normalizeHostConfig(
  context: DaemonContext,
  requested: Partial<HostConfig>,
): HostConfig {
  if (typeof requested !== "object" || requested === null) {
    throw new BadRequest("HostConfig must be an object");
  }
  const networkMode = containerNetworkMode(context, requested.NetworkMode || "default");
  if (networkMode.startsWith("container:")) checkJoinedNetwork(requested);
  if (publishesPorts(requested) && context.networks.find(networkMode)?.record.internal) {
    throw new BadRequest(`ports cannot be published on the internal network ${networkMode}`);
  }
  const runtime = requested.Runtime || context.runtimes.defaultName;
  if (!context.runtimes.get(runtime)) throw new BadRequest(`Unknown runtime specified ${runtime}`);

  // An empty Type: the daemon's driver, with the options given.
  const logType = requested.LogConfig?.Type || context.flags.logDriver;
  if (!LOG_DRIVERS.includes(logType)) {
    throw new BadRequest(
      DOCKER_LOG_DRIVERS.has(logType)
        ? `logging driver "${logType}" is not supported: use ${LOG_DRIVERS.join(", ")}`
        : `logger: no log driver named '${logType}' is registered`,
    );
  }
  const logOptions = requested.LogConfig?.Config ?? {};
  for (const key of Object.keys(logOptions)) {
    if (!LOG_OPTIONS.has(key) || logType === "none") {
      throw new BadRequest(`unknown log opt '${key}' for ${logType} log driver`);
    }
  }
  if (logOptions["max-size"] !== undefined) {
    const size = parseSize(logOptions["max-size"]);
    if (size === undefined || size <= 0) {
      throw new BadRequest(`invalid max-size for the ${logType} log: ${logOptions["max-size"]}`);
    }
  }
  if (logOptions["max-file"] !== undefined) {
    const files = Number(logOptions["max-file"]);
    if (!Number.isInteger(files) || files < 1) {
      throw new BadRequest("max-file cannot be less than 1");
    }
  }

  const restartPolicy = normalizeRestartPolicy(
    requested.RestartPolicy,
    Boolean(requested.AutoRemove),
  );
  const resources = normalizeResources(requested, hostCpus());
  const options = normalizeHostOptions(
    requested,
    networkMode,
    context.bridge !== undefined,
    context.lsm,
  );
  if (options.Init && !findInitBinary()) {
    throw new BadRequest(
      "--init needs a static init on the host (docker-init or tini-static: apt-get install tini)",
    );
  }
  // A missing device fails the create, not a later start.
  for (const device of options.Devices) hostDevice(device.PathOnHost, device.PathInContainer);
  const ulimits = requested.Ulimits ?? null;
  if (ulimits !== null && !Array.isArray(ulimits)) throw new BadRequest("Ulimits must be a list");
  containerRlimits(ulimits ?? [], context.hardLimits); // validates
  const consoleSize = requested.ConsoleSize ?? [0, 0];
  return {
    ...requested,
    NetworkMode: networkMode,
    LogConfig: { Type: logType, Config: { ...logOptions } },
    AutoRemove: Boolean(requested.AutoRemove),
    Runtime: runtime,
    RestartPolicy: restartPolicy,
    ...options,
    ...resources,
    Memory: resources.Memory ?? 0,
    Ulimits: ulimits,
    ConsoleSize: [Number(consoleSize[0]) || 0, Number(consoleSize[1]) || 0],
  };
}
