/**
 * Everything the daemon's operations share: its settings, stores, runtimes,
 * and facts about the host read once at start.
 * @module
 */

import type { ContainerStore } from "./containers/container_store.ts";
import type { DaemonFlags } from "./daemon_flags.ts";
import type { ImageStore } from "./images/image_store.ts";
import type { LayerStore } from "./images/layer_store.ts";
import type { HardLimits } from "./oci/rlimits.ts";
import type { RuntimeRegistry } from "./runtimes.ts";
import type { ShimGrant, ShimProgram } from "./shims/shim_launcher.ts";
import type { ShimPool } from "./shims/shim_pool.ts";
import type { ExecStore } from "./execs/exec.ts";
import type { VolumeStore } from "./volumes/volume_store.ts";
import type { Trash } from "./system/trash.ts";
import type { EventBus } from "./events.ts";
import type { BridgeNetwork } from "./networks/bridge_network.ts";
import type { NetworkStore } from "./networks/network_store.ts";
import { type Container, containerPaths } from "./containers/container.ts";
import type { SeccompDefault } from "./oci/seccomp.ts";
import type { HostLsm } from "./system/lsm.ts";
import type { IdMapping } from "./system/userns.ts";

/** The cgroup layout of the host. */
export type CgroupVersion = 1 | 2;

/** Shared state of one daemon. */
export interface DaemonContext {
  flags: DaemonFlags;
  containers: ContainerStore;
  images: ImageStore;
  layers: LayerStore;
  volumes: VolumeStore;
  /** Where removed container directories are deleted in the background. */
  trash: Trash;
  /** Events for GET /events. */
  events: EventBus;
  runtimes: RuntimeRegistry;
  shim: ShimProgram;
  /** Standby shims booted ahead of time, for ids reserved to new containers. */
  shimPool: ShimPool;
  /** Exec instances (in memory, as docker keeps them). */
  execs: ExecStore;
  /** The bridge network; undefined with `--bridge none`. */
  bridge: BridgeNetwork | undefined;
  /** User-defined networks (`network create`). */
  networks: NetworkStore;
  libcPath: string;
  hardLimits: HardLimits;
  cgroupVersion: CgroupVersion;
  /** The host's name (for --network host and /info). */
  hostname: string;
  /** Daemon id for /info. */
  daemonId: string;
  /** When the root was set up (RFC 3339): the predefined networks' creation time. */
  createdAt: string;
  /** The seccomp filter of containers that name none (`--seccomp-profile`). */
  seccompDefault: SeccompDefault;
  /** The host's security modules (AppArmor, SELinux). */
  lsm: HostLsm;
  /** `--userns-remap`: the mapping new containers get; undefined without it. */
  remap: IdMapping | undefined;
}

/** A container's shim state directory. */
export function shimStateDir(context: DaemonContext, id: string): string {
  return `${context.flags.runRoot}/c/${id}`;
}

/** What the shim of container `id` may touch. */
export function shimGrant(
  context: DaemonContext,
  id: string,
  options: { logFiles: number; runtimePaths: string[] },
): ShimGrant {
  const paths = containerPaths(context.flags.root, id);
  return {
    stateDir: shimStateDir(context, id),
    libcPath: context.libcPath,
    // A pooled shim learns the log driver only when its container starts.
    logPaths: [paths.log, paths.criLog],
    ...options,
  };
}

/**
 * A container's cgroup (cgroupfs path): below its own `--cgroup-parent`
 * (relative ones from the root, as docker's cgroupfs driver does), else
 * below the daemon's.
 */
export function containerCgroup(context: DaemonContext, container: Container): string {
  const parent = container.record.hostConfig.CgroupParent;
  const base = parent ? `/${parent.replace(/^\/+|\/+$/g, "")}` : context.flags.cgroupParent;
  return `${base}/${container.id}`;
}

/** The cgroup file that counts OOM kills for a container. */
export function oomEventsPath(context: DaemonContext, container: Container): string {
  const cgroup = containerCgroup(context, container);
  return context.cgroupVersion === 2
    ? `/sys/fs/cgroup${cgroup}/memory.events`
    : `/sys/fs/cgroup/memory${cgroup}/memory.oom_control`;
}
