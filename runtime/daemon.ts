/**
 * `berth daemon`: load the stores, follow the containers that still run,
 * and serve the API. Killing the daemon never affects containers: their
 * shims own them, and the next daemon picks them up.
 * @module
 */

import { BERTH_VERSION } from "../protocol/version.ts";
import { serveApi } from "./api/server.ts";
import { bindPath } from "./api/socket_file.ts";
import { detachKeysParameter } from "./attach/detach_keys.ts";
import { ContainerStore } from "./containers/container_store.ts";
import { disconnectShims, onContainerExit, settleReleases } from "./containers/monitor.ts";
import { removeContainer } from "./containers/remove.ts";
import { restoreContainers } from "./containers/restore.ts";
import { removeAbandonedSteps } from "./build/step_container.ts";
import { type CgroupVersion, type DaemonContext, shimGrant } from "./daemon_context.ts";
import { type DaemonFlags, FlagError, parseDaemonFlags } from "./daemon_flags.ts";
import { ExecStore } from "./execs/exec.ts";
import { BridgeNetwork } from "./networks/bridge_network.ts";
import { NetworkStore } from "./networks/network_store.ts";
import { activateNetwork } from "./networks/user_networks.ts";
import { removeOrphanEndpoints } from "./networks/container_network.ts";
import { newId } from "./ids.ts";
import { ImageStore } from "./images/image_store.ts";
import { LayerStore } from "./images/layer_store.ts";
import { referencedLayers } from "./images/remove.ts";
import { restartAfterExit, restartAtDaemonStart } from "./containers/restart_policy.ts";
import { startLocked } from "./containers/start.ts";
import { VolumeStore } from "./volumes/volume_store.ts";
import { EventBus } from "./events.ts";
import { errorMessage, log, setLogLevel } from "./logger.ts";
import { readHardLimits } from "./oci/rlimits.ts";
import { FALLBACK_PATH, RuntimeRegistry } from "./runtimes.ts";
import { POOL_LOG_FILES, ShimPool } from "./shims/shim_pool.ts";
import { openLibc } from "./system/libc.ts";
import { Trash } from "./system/trash.ts";
import { seccompDefault } from "./oci/seccomp.ts";
import { detectLsm, loadApparmorProfile } from "./system/lsm.ts";
import { checkReachable, resolveRemap } from "./system/userns.ts";
import { writeAll } from "../protocol/write_all.ts";
import { withTimeout } from "../lib/timeout.ts";
import { serveCri } from "./cri/server.ts";
import { restorePods } from "./cri/pod_restore.ts";

/** Longest shim state dir socket path: run-root + "/c/" + id + "/control.sock". */
const SOCKET_PATH_LIMIT = 107;

function checkPaths(flags: DaemonFlags): void {
  const longest = `${flags.runRoot}/c/${"0".repeat(64)}/console.sock`;
  if (longest.length > SOCKET_PATH_LIMIT) {
    throw new FlagError(
      `--run-root ${flags.runRoot} is too long: shim sockets under it would exceed ` +
        `${SOCKET_PATH_LIMIT} bytes (use a run root of at most ` +
        `${flags.runRoot.length - (longest.length - SOCKET_PATH_LIMIT)} characters)`,
    );
  }
  if (bindPath(flags.socketPath).length > SOCKET_PATH_LIMIT) {
    throw new FlagError(`socket path too long: ${flags.socketPath}`);
  }
}

async function detectCgroupVersion(): Promise<CgroupVersion> {
  try {
    await Deno.stat("/sys/fs/cgroup/cgroup.controllers");
    return 2;
  } catch {
    return 1;
  }
}

async function daemonId(root: string): Promise<string> {
  const path = `${root}/engine-id`;
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    const id = newId();
    await Deno.writeTextFile(path, id + "\n");
    return id;
  }
}

/** When the root got its engine id, i.e. was first set up. */
async function rootCreatedAt(root: string): Promise<string> {
  const { mtime } = await Deno.stat(`${root}/engine-id`);
  return (mtime ?? new Date()).toISOString();
}

/** Take the root's lock so that two daemons never share a root. */
async function lockRoot(root: string): Promise<Deno.FsFile> {
  const file = await Deno.open(`${root}/berth.lock`, { read: true, write: true, create: true });
  if (!(await withTimeout(file.lock(true).then(() => true), 2000))) {
    throw new Error(`another berth daemon is using --root ${root}`);
  }
  await file.truncate(0);
  await writeAll(file, new TextEncoder().encode(`${Deno.pid}\n`));
  return file;
}

function envOr(name: string, fallback: string): string {
  try {
    return Deno.env.get(name) ?? fallback;
  } catch {
    return fallback;
  }
}

function errorStack(error: unknown): string {
  return error instanceof Error && error.stack ? error.stack : errorMessage(error);
}

/**
 * The last line of defence: an error that escaped every handler (a bug) is
 * logged and the daemon goes on, as Go's http server recovers a handler's
 * panic. Containers never depend on the daemon, but every client does.
 */
function surviveUncaughtErrors(): void {
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    log.error("uncaught error, a bug: the daemon goes on", { error: errorStack(event.error) });
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled rejection, a bug: the daemon goes on", {
      error: errorStack(event.reason),
    });
  });
}

/** Run the daemon until SIGTERM/SIGINT. Returns the exit status. */
export async function runDaemon(args: string[]): Promise<number> {
  let flags: DaemonFlags;
  try {
    flags = parseDaemonFlags(args);
    checkPaths(flags);
    detachKeysParameter(flags.detachKeys); // refuse a bad sequence at start
  } catch (error) {
    console.error(`berth daemon: ${errorMessage(error)}`);
    return 2;
  }
  setLogLevel(flags.logLevel);
  surviveUncaughtErrors();
  const startedAt = performance.now();
  try {
    for (const dir of [flags.root, flags.runRoot, `${flags.runRoot}/c`, `${flags.runRoot}/x`]) {
      await Deno.mkdir(dir, { recursive: true, mode: 0o711 });
    }
    const lock = await lockRoot(flags.root);
    const shimProgram = {
      deno: Deno.execPath(),
      entry: envOr("BERTH_SHIM_ENTRY", new URL("../shim/main.ts", import.meta.url).pathname),
    };
    const runtimes = await RuntimeRegistry.discover(flags, envOr("PATH", FALLBACK_PATH));
    const context: DaemonContext = {
      flags,
      containers: new ContainerStore(flags.root),
      images: new ImageStore(flags.root),
      layers: new LayerStore(flags.root),
      volumes: new VolumeStore(flags.root),
      trash: new Trash(flags.root),
      events: new EventBus(),
      runtimes,
      shim: shimProgram,
      execs: new ExecStore(),
      bridge: flags.bridge && new BridgeNetwork(flags.bridge.name, flags.bridge.gateway),
      networks: new NetworkStore(flags.root, flags.bridge ? [flags.bridge.gateway] : []),
      shimPool: new ShimPool(
        flags.shimPool,
        flags.shimGroupSize,
        shimProgram,
        (id) =>
          shimGrant(context, id, {
            logFiles: POOL_LOG_FILES,
            runtimePaths: runtimes.list().map((runtime) => runtime.path),
          }),
      ),
      libcPath: openLibc(),
      hardLimits: readHardLimits(),
      cgroupVersion: await detectCgroupVersion(),
      hostname: Deno.hostname(),
      daemonId: await daemonId(flags.root),
      createdAt: await rootCreatedAt(flags.root),
      seccompDefault: seccompDefault(flags.seccompProfile, (path) => Deno.readTextFileSync(path)),
      lsm: detectLsm(),
      remap: flags.usernsRemap ? await resolveRemap(flags.usernsRemap) : undefined,
    };
    if (context.remap) checkReachable(flags.root, context.remap);
    if (context.lsm.apparmor) {
      await loadApparmorProfile().catch((error) =>
        log.warn("loading berth's AppArmor profile failed", { error: errorMessage(error) })
      );
    }
    await context.layers.init();
    await context.images.init();
    await context.volumes.init();
    await context.networks.init();
    await context.trash.init();
    await context.containers.init();
    context.layers.setReferences(() => referencedLayers(context));
    // Layers nothing names (a pull or load an older berth left behind).
    const freed = await context.layers.collect();
    if (freed > 0) log.info("removed layers no image uses", { bytes: freed });
    onContainerExit((container) => {
      if (!container.record.hostConfig.AutoRemove) {
        restartAfterExit(context, container, startLocked).catch((error) =>
          log.warn("scheduling a restart failed", { id: container.id, error: errorMessage(error) })
        );
        return;
      }
      if (container.removing) return;
      removeContainer(context, container, { force: true, volumes: true }).catch((error) =>
        log.warn("auto-remove failed", { id: container.id, error: errorMessage(error) })
      );
    });
    await restoreContainers(context);
    await removeAbandonedSteps(context);
    removeOrphanEndpoints(context).catch((error) =>
      log.warn("removing orphaned network endpoints failed", { error: errorMessage(error) })
    );
    // User-defined networks' bridges and name servers (in the background:
    // the API need not wait for them).
    for (const network of context.networks.list()) {
      activateNetwork(context, network).catch((error) =>
        log.warn("setting a network up failed", {
          network: network.record.name,
          error: errorMessage(error),
        })
      );
    }
    for (const container of context.containers.list()) {
      await restartAtDaemonStart(context, container, startLocked);
    }
    await restorePods(context);
    const server = await serveApi(context, flags.socketPath);
    const cri = flags.criSocketPath ? await serveCri(context, flags.criSocketPath) : undefined;
    context.shimPool.fill();
    log.info("berth daemon ready", {
      version: BERTH_VERSION,
      socket: flags.socketPath,
      criSocket: flags.criSocketPath || "off",
      criStreams: cri?.streamAddress ?? "off",
      root: flags.root,
      runtimes: context.runtimes.list().map((runtime) => runtime.name),
      containers: context.containers.counts().total,
      startupMs: Math.round(performance.now() - startedAt),
    });
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(signal, resolve);
    });
    log.info("berth daemon shutting down; containers keep running");
    server.close();
    await cri?.close();
    await Promise.all([context.shimPool.close(), context.trash.emptied(), settleReleases()]);
    disconnectShims();
    await Deno.remove(flags.socketPath).catch(() => {});
    lock.close();
    return 0;
  } catch (error) {
    log.error("berth daemon failed", { error: errorMessage(error) });
    return 1;
  }
}
