/**
 * A container as the daemon keeps it: the record persisted under
 * `<root>/containers/<id>/container.json` (docker's Config, HostConfig and
 * State shapes) and the in-memory parts (operation lock, state changes).
 * @module
 */

import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import type { LogFile } from "../logs/log_reader.ts";
import { ZERO_TIME } from "../../protocol/timestamp.ts";
import type { MountPoint } from "./mount_points.ts";
import type { ResourceLimits } from "../oci/resources.ts";
import type { HealthState } from "./health.ts";
import type { HostOptions } from "./host_options.ts";
import type { NetworkAttachment } from "../networks/attachments.ts";
import type { IdMapping } from "../system/userns.ts";
import type { CriInfo } from "../cri/cri_record.ts";

/** Docker's container Config. */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Healthcheck?: unknown;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
}

/** One rlimit as the API spells it. */
export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** The parts of docker's HostConfig berth honours (others are kept as sent). */
export interface HostConfig extends ResourceLimits, Partial<HostOptions> {
  NetworkMode: string;
  /** Legacy links, as docker keeps them: `/CHILD:/PARENT/ALIAS`. */
  Links?: string[];
  LogConfig: { Type: string; Config: Record<string, string> };
  AutoRemove: boolean;
  Runtime: string;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  Memory: number;
  Ulimits: Ulimit[] | null;
  ConsoleSize: [number, number];
  /** As sent; what they ask for is in the record's mounts. */
  Binds?: unknown;
  Mounts?: unknown;
  Tmpfs?: unknown;
  /** The cgroup the container's goes below (the daemon's --cgroup-parent when unset). */
  CgroupParent?: string;
  [key: string]: unknown;
}

/** Docker's container statuses. */
export type ContainerStatus =
  | "created"
  | "running"
  | "paused"
  | "restarting"
  | "removing"
  | "exited"
  | "dead";

/** Docker's State object. */
export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  /** While a healthcheck is configured (kept after an exit, as docker does). */
  Health?: HealthState;
}

/** What is persisted for a container. */
export interface ContainerRecord {
  /** Version of this record's layout. */
  version: 1;
  id: string;
  /** Without the leading "/". */
  name: string;
  created: string;
  /** The resolved command: entrypoint and cmd. */
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** `sha256:...` of the image. */
  imageId: string;
  /** Diff IDs of the image's layers, bottom first. */
  layers: string[];
  /** Registered runtime name. */
  runtime: string;
  state: ContainerState;
  restartCount: number;
  /** Stopped by a user (stop), so `unless-stopped` does not start it at daemon start. */
  manuallyStopped?: boolean;
  /** Binds, volumes and tmpfs mounts (records from before volumes have none). */
  mounts?: MountPoint[];
  /** Protocol of the shim running the container, while one is. */
  shimProtocol?: number;
  /**
   * The networks it is connected to, the one of NetworkMode first (empty
   * for none, host and container:), each with its endpoint while it runs.
   */
  networks: NetworkAttachment[];
  /** What its default-bridge links gave its last start (hosts lines, environment). */
  linked?: { hostsLines: string; env: string[] };
  /** Its user namespace's ranges (`--userns-remap` when it was created); none: the host's. */
  idMapping?: Pick<IdMapping, "uid" | "gid">;
  /** A CRI pod's sandbox or container (hidden from the Docker API's lists). */
  cri?: CriInfo;
}

/** A fresh state for a created container. */
export function createdState(): ContainerState {
  return {
    Status: "created",
    Pid: 0,
    ExitCode: 0,
    Error: "",
    OOMKilled: false,
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

/** A simple async mutex: operations on one container run one at a time. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Run `task` once every earlier task has finished. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.then(() => {}, () => {});
    return result;
  }
}

/** A container's files under the daemon root. */
export interface ContainerPaths {
  dir: string;
  record: string;
  bundle: string;
  spec: string;
  upper: string;
  work: string;
  rootfs: string;
  /** The json-file log (docker's name for it). */
  log: string;
  /** The k8s-file (CRI) log. */
  criLog: string;
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/** Where a container's files live. */
export function containerPaths(root: string, id: string): ContainerPaths {
  const dir = `${root}/containers/${id}`;
  return {
    dir,
    record: `${dir}/container.json`,
    bundle: `${dir}/bundle`,
    spec: `${dir}/bundle/config.json`,
    upper: `${dir}/fs/upper`,
    work: `${dir}/fs/work`,
    rootfs: `${dir}/fs/merged`,
    log: `${dir}/${id}-json.log`,
    criLog: `${dir}/${id}.log`,
    hostname: `${dir}/hostname`,
    hosts: `${dir}/hosts`,
    resolvConf: `${dir}/resolv.conf`,
  };
}

/** A change of a container's state, for waiters. */
export type ContainerEvent = "exit" | "start" | "removed";

/** A container: its record plus what only lives in memory. */
export class Container {
  record: ContainerRecord;
  readonly paths: ContainerPaths;
  readonly lock = new Mutex();
  /** Set while a removal runs, so that nothing restarts or re-removes it. */
  removing = false;
  /** The next exit was asked for (stop, kill): its restart policy does not apply. */
  exitOnNext = false;
  /**
   * Resolves when what the last run held (rootfs mount, shim state) is
   * released; start and removal wait for it.
   */
  released: Promise<void> = Promise.resolve();
  /** True from an exit until its shim has finished (deleted the container from the runtime). */
  shimFinishing = false;
  /** Attach sessions waiting for the next start (called with the shim's state dir). */
  readonly pendingAttaches = new Set<(stateDir: string) => Promise<void>>();
  #listeners = new Set<(event: ContainerEvent) => void>();

  constructor(record: ContainerRecord, root: string) {
    this.record = record;
    this.paths = containerPaths(root, record.id);
  }

  get id(): string {
    return this.record.id;
  }

  get name(): string {
    return this.record.name;
  }

  get state(): ContainerState {
    return this.record.state;
  }

  /** The container's log (undefined with the none driver). */
  get logFile(): LogFile | undefined {
    const cri = this.record.cri;
    if (cri?.kind === "container") {
      return cri.logPath ? { path: cri.logPath, format: "k8s-file", maxFiles: 1 } : undefined;
    }
    const { Type: type, Config: options } = this.record.hostConfig.LogConfig;
    if (type !== "json-file" && type !== "k8s-file") return undefined;
    return {
      path: type === "k8s-file" ? this.paths.criLog : this.paths.log,
      format: type,
      maxFiles: Number(options["max-file"] ?? 1),
    };
  }

  /** Running or paused: a live init exists. */
  get isRunning(): boolean {
    return this.state.Status === "running" || this.state.Status === "paused";
  }

  /**
   * Persist the record atomically; `durable: false` skips the fsync, for
   * states a power loss ends anyway (running, paused).
   */
  save(options: { durable?: boolean } = {}): Promise<void> {
    return writeJsonAtomic(this.paths.record, this.record, options);
  }

  /** Tell waiters about a state change. */
  emit(event: ContainerEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Resolve at the first event that `accept` takes; returns an unsubscribe. */
  once(
    accept: (event: ContainerEvent) => boolean,
  ): { promise: Promise<ContainerEvent>; cancel(): void } {
    let listener!: (event: ContainerEvent) => void;
    const promise = new Promise<ContainerEvent>((resolve) => {
      listener = (event) => {
        if (!accept(event)) return;
        this.#listeners.delete(listener);
        resolve(event);
      };
      this.#listeners.add(listener);
    });
    return { promise, cancel: () => this.#listeners.delete(listener) };
  }
}
