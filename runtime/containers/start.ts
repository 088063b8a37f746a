/**
 * POST /containers/{id}/start: mount the rootfs, write the OCI spec, start
 * a shim that creates the container, then start it through the runtime
 * driver. A failure at any step releases everything and leaves the
 * container stopped with the reason in State.Error.
 * @module
 */

import { writeFileAtomic } from "../../protocol/atomic_write.ts";
import {
  DEFAULT_ATTACH_LIMITS,
  PROTOCOL_VERSION,
  type ShimConfig,
} from "../../protocol/shim_protocol.ts";
import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { parseSize } from "../../lib/units.ts";
import {
  containerCgroup,
  type DaemonContext,
  oomEventsPath,
  shimGrant,
  shimStateDir,
} from "../daemon_context.ts";
import { ApiError, Conflict, NotModified } from "../errors.ts";
import { errorMessage, log } from "../logger.ts";
import { containerRlimits } from "../oci/rlimits.ts";
import { buildSpec, serializeSpec } from "../oci/spec.ts";
import { processUser } from "../oci/user.ts";
import { runsDetachedKeepingExit, type RuntimeInfo } from "../runtime_driver.ts";
import { allHostDevices, hostDevice } from "../system/host_devices.ts";
import { findInitBinary } from "../system/init_binary.ts";
import type { ShimConnection } from "../shims/shim_client.ts";
import { standbyShim } from "../shims/shim_launcher.ts";
import { POOL_LOG_FILES } from "../shims/shim_pool.ts";
import { secureJoin } from "../system/secure_join.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";
import { containerHostname, writeEtcFiles } from "./etc_files.ts";
import { startHealthMonitor } from "./health.ts";
import { followShim, releaseRuntimeResources } from "./monitor.ts";
import { finishRemoval } from "./remove.ts";
import { resetRestarts } from "./restart_policy.ts";
import { mountRootfs } from "./rootfs.ts";
import { connectContainer, joinedContainer } from "../networks/container_network.ts";
import { formatIpv4 } from "../networks/ipv4.ts";
import { linkedSetup } from "../networks/links.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { dockerStyleError, startFailureExitCode } from "./exit_codes.ts";
import { podNamespacePaths } from "../cri/pod_namespaces.ts";

/**
 * Start a container (one operation at a time per container). The shim
 * pool waits for quiet again before it refills.
 */
export function startContainer(context: DaemonContext, container: Container): Promise<void> {
  return container.lock.run(async () => {
    await resetRestarts(container);
    await startLocked(context, container);
  }).finally(() => context.shimPool.fillWhenQuiet());
}

/** The host devices a container gets: all of them when privileged, else its --device ones. */
function containerDevices(hostConfig: Container["record"]["hostConfig"]) {
  if (hostConfig.Privileged) {
    return allHostDevices().map((device) => ({ ...device, access: "rwm" }));
  }
  return (hostConfig.Devices ?? []).map((device) => ({
    ...hostDevice(device.PathOnHost, device.PathInContainer),
    access: device.CgroupPermissions,
  }));
}

/** The facts of a start that its shim config is made of. */
export interface ShimConfigInput {
  container: Pick<Container, "id" | "record" | "paths" | "logFile">;
  runtime: RuntimeInfo;
  stateDir: string;
  oomEventsPath: string;
  libcPath: string;
  maxAttachers: number;
}

/** What a container's shim is told to run (pure: every fact comes in `input`). */
export function buildShimConfig(input: ShimConfigInput): ShimConfig {
  const { container, runtime } = input;
  const { record, paths } = container;
  const logFile = container.logFile;
  const logOptions = record.hostConfig.LogConfig.Config;
  // --log-driver none: the output is only streamed to attachers.
  const log = logFile && {
    path: logFile.path,
    format: logFile.format,
    maxSize: logOptions["max-size"] ? parseSize(logOptions["max-size"]) ?? 0 : 0,
    maxFiles: logFile.maxFiles,
  };
  const [rows, cols] = record.hostConfig.ConsoleSize;
  return {
    protocol: PROTOCOL_VERSION,
    id: container.id,
    bundle: paths.bundle,
    stateDir: input.stateDir,
    runtime,
    tty: record.config.Tty,
    openStdin: record.config.OpenStdin,
    stdinOnce: record.config.StdinOnce,
    consoleSize: record.config.Tty && rows > 0 && cols > 0 ? { rows, cols } : undefined,
    log,
    oomEventsPath: input.oomEventsPath,
    libcPath: input.libcPath,
    // A remapped container's network is set up between create and start.
    runDetached: runsDetachedKeepingExit(runtime) && !record.idMapping,
    // A --rm container is removed after a power loss all the same.
    volatileExit: record.hostConfig.AutoRemove,
    attach: { maxAttachers: input.maxAttachers, queueBytes: DEFAULT_ATTACH_LIMITS.queueBytes },
  };
}

/** The runtime of a container that may start now; docker's refusals otherwise. */
function checkStartable(context: DaemonContext, container: Container): RuntimeInfo {
  const { record } = container;
  if (container.removing || container.state.Status === "removing") {
    throw new Conflict(`container ${container.id} is marked for removal and cannot be started`);
  }
  if (container.state.Status === "paused") {
    throw new Conflict("cannot start a paused container, try unpause instead");
  }
  if (container.isRunning) throw new NotModified();
  const runtime = context.runtimes.get(record.runtime);
  if (!runtime) {
    throw new ApiError(500, `runtime "${record.runtime}" is not registered with this daemon`);
  }
  return runtime;
}

/**
 * The pool's standby shim, when it can serve this container (else one
 * booted for it), got ready while the rootfs and the spec are prepared.
 */
function readyShim(
  context: DaemonContext,
  container: Container,
  runtime: RuntimeInfo,
): Promise<ShimConnection> {
  const logFiles = container.logFile?.maxFiles ?? 0;
  // A pod's container has a shim of its pod's group, granted its log directory.
  const owned = context.shimPool.isOwned(container.id);
  const pooled = owned || logFiles <= POOL_LOG_FILES;
  const ready = context.shimPool.booted(container.id).then(() =>
    standbyShim(
      context.shim,
      owned ? context.shimPool.grantOf(container.id) : shimGrant(context, container.id, {
        logFiles: pooled ? POOL_LOG_FILES : logFiles,
        runtimePaths: pooled ? context.runtimes.list().map((item) => item.path) : [runtime.path],
      }),
      pooled,
    )
  );
  ready.catch(() => {}); // awaited by the start, or on its way out
  return ready;
}

/**
 * The bundle: the rootfs mounted, the working dir made, the user resolved,
 * the /etc files and the OCI spec written.
 */
async function prepareBundle(context: DaemonContext, container: Container): Promise<void> {
  const { record, paths } = container;
  // --network container:ID: its namespace, its hostname and its /etc files.
  const joined = joinedContainer(context, container);
  // Its links' containers must run: checked before anything is mounted.
  record.linked = linkedSetup(context, container);
  await mountRootfs(context, container);
  const hostname = containerHostname(context, joined ?? container);
  const workDir = record.config.WorkingDir;
  const cri = record.cri?.kind === "container" ? record.cri : undefined;
  const [user] = await Promise.all([
    processUser(
      paths.rootfs,
      record.config.User,
      record.hostConfig.GroupAdd ?? [],
      cri?.strictGroups,
    ),
    workDir &&
    secureJoin(paths.rootfs, workDir).then((dir) =>
      Deno.mkdir(dir, { recursive: true, mode: 0o755 })
    ),
    writeEtcFiles(
      container,
      hostname,
      context.bridge && formatIpv4(context.bridge.gateway.address),
    ),
  ]);
  // The CRI reports the identity the process got (ContainerStatus.user).
  if (cri) {
    cri.user = {
      uid: user.uid,
      gid: user.gid,
      groups: [...new Set([user.gid, ...user.additionalGids])],
    };
  }
  const spec = buildSpec({
    record,
    rootfs: paths.rootfs,
    user,
    hostname,
    cgroupsPath: containerCgroup(context, container),
    rlimits: containerRlimits(record.hostConfig.Ulimits ?? [], context.hardLimits),
    files: {
      hostname: paths.hostname,
      hosts: (joined?.paths ?? paths).hosts,
      resolvConf: (joined?.paths ?? paths).resolvConf,
    },
    devices: containerDevices(record.hostConfig),
    initBinary: record.hostConfig.Init ? findInitBinary() : undefined,
    networkNamespace: joined && `/proc/${joined.state.Pid}/ns/net`,
    joinNamespaces: podNamespacePaths(context, container),
    userNamespace: joined?.record.idMapping && `/proc/${joined.state.Pid}/ns/user`,
    confinement: { seccompDefault: context.seccompDefault, lsm: context.lsm },
  });
  await writeFileAtomic(paths.spec, serializeSpec(spec), { durable: false });
}

/**
 * Have the shim create and start the container; returns the init's pid.
 * Clients that attached before the start are connected in between, so
 * they get every byte of output.
 */
async function runInShim(
  connection: ShimConnection,
  container: Container,
  config: ShimConfig,
  created: (pid: number) => Promise<void>,
): Promise<number> {
  try {
    const pid = (await connection.create(config)).pid ?? 0;
    await created(pid);
    await Promise.all([...container.pendingAttaches].map((connect) => connect(config.stateDir)));
    // The shim runs `start` itself, so a fast exit is never deleted while
    // the start is still going on.
    return (await connection.start(container.id)).pid ?? pid;
  } catch (error) {
    // After a failed create or start the shim cleans up and quits.
    await withTimeout(connection.closed, 10_000);
    connection.close();
    throw error;
  }
}

/**
 * A start failed: release what it took, keep the reason (and the exit code
 * docker gives it) in the record, remove a --rm container; throws the
 * API's error for it.
 */
async function undoFailedStart(
  context: DaemonContext,
  container: Container,
  error: unknown,
  pending: { shim: Promise<ShimConnection>; connected: boolean; network?: Promise<void> },
): Promise<never> {
  // A shim still getting ready must be there (and told to quit) before
  // its state dir is cleaned up.
  if (!pending.connected) await pending.shim.then((ready) => ready.close(), () => {});
  // The network's setup must be over before it is taken down.
  await pending.network?.catch(() => {});
  await releaseRuntimeResources(context, container).catch((cleanupError) =>
    log.warn("cleanup after a failed start failed", {
      id: container.id,
      error: errorMessage(cleanupError),
    })
  );
  const message = dockerStyleError(errorMessage(error));
  const exitCode = startFailureExitCode(message);
  container.record.state = { ...container.state, Error: message, ExitCode: exitCode };
  await container.save();
  if (container.record.hostConfig.AutoRemove) {
    // As docker does: --rm containers that cannot start are removed too.
    container.removing = true;
    container.emit("exit");
    await finishRemoval(context, container, { volumes: true });
  }
  if (error instanceof ApiError) throw error;
  const status = exitCode !== 128 ? 400 : 500;
  throw new ApiError(status, `failed to start container ${container.id}: ${message}`);
}

/** Start with the container's lock held (restart calls this too). */
export async function startLocked(context: DaemonContext, container: Container): Promise<void> {
  const runtime = checkStartable(context, container);
  await container.released;
  const shim = readyShim(context, container, runtime);
  const pending: { shim: Promise<ShimConnection>; connected: boolean; network?: Promise<void> } = {
    shim,
    connected: false,
  };
  let pid: number;
  let connection: ShimConnection;
  // A remapped container's network namespace is its runtime's, set up
  // between create and start; anyone else's is set up meanwhile.
  const created = Promise.withResolvers<number>();
  created.promise.catch(() => {});
  const afterCreate = container.record.idMapping ? created.promise : undefined;
  try {
    pending.network = connectContainer(context, container, afterCreate);
    pending.network?.catch(() => {}); // awaited below, or on the way out
    await prepareBundle(context, container);
    const config = buildShimConfig({
      container,
      runtime,
      stateDir: shimStateDir(context, container.id),
      oomEventsPath: oomEventsPath(context, container),
      libcPath: context.libcPath,
      maxAttachers: context.flags.maxAttachers,
    });
    if (!afterCreate) await pending.network;
    connection = await shim;
    pending.connected = true;
    pid = await runInShim(connection, container, config, async (pid) => {
      created.resolve(pid);
      await pending.network;
    });
  } catch (error) {
    created.reject(error);
    return await undoFailedStart(context, container, error, pending);
  }
  await recordStarted(context, container, pid, connection);
}

/** The container runs: record it (and what its shim speaks), then follow the shim. */
async function recordStarted(
  context: DaemonContext,
  container: Container,
  pid: number,
  connection: ShimConnection,
): Promise<void> {
  container.record.state = {
    ...container.state,
    Status: "running",
    Pid: pid,
    ExitCode: 0,
    Error: "",
    OOMKilled: false,
    StartedAt: formatRfc3339Nano(preciseNow()),
  };
  container.record.shimProtocol = connection.abilities.protocol;
  delete container.record.manuallyStopped;
  container.exitOnNext = false;
  // Nothing keeps running through a power loss: no fsync for this state.
  await container.save({ durable: false });
  container.emit("start");
  containerEvent(context, container, "start");
  followShim(context, container, connection);
  startHealthMonitor(context, container);
}
