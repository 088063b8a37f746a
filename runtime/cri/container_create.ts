/**
 * CreateContainer: a pod's container, as a container of the store that
 * joins its sandbox's namespaces, below its cgroup, logging in the CRI
 * format to the pod's log directory, served by the pod's shim group.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { createContainer, type CreateRequest } from "../containers/create.ts";
import type { HostConfig } from "../containers/container.ts";
import { readSystemFile } from "../system/libc.ts";
import { GrpcCode, GrpcError, invalidArgument, notFound } from "./grpc_status.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getSandbox, type Sandbox } from "./cri_lookup.ts";
import type { CriContainerInfo } from "./cri_record.ts";
import { nowNanos, stringMap } from "./cri_values.ts";

/** dockershim's name for a pod's container: unique per pod, name and attempt. */
function containerName(sandbox: Sandbox, metadata: { name: string; attempt: number }): string {
  const pod = sandbox.record.cri.metadata;
  return ["k8s", metadata.name, pod.name, pod.namespace, pod.uid, metadata.attempt].join("_");
}

const PROPAGATION: Record<string, string> = {
  PROPAGATION_PRIVATE: "rprivate",
  PROPAGATION_HOST_TO_CONTAINER: "rslave",
  PROPAGATION_BIDIRECTIONAL: "rshared",
};

/** The process's user: `uid[:gid]` or `name[:gid]`. */
function processUser(security: CriMessage): string {
  const uid = security.run_as_user ? String(security.run_as_user.value) : "";
  const user = security.run_as_username || uid;
  if (security.run_as_group && !user) {
    throw invalidArgument("user group is specified without user");
  }
  return security.run_as_group ? `${user}:${security.run_as_group.value}` : user;
}

/** The `seccomp=` security option of a profile; undefined for the daemon's default. */
function seccompOption(security: CriMessage): string | undefined {
  const profile = security.seccomp;
  if (profile) {
    if (profile.profile_type === "Unconfined") return "unconfined";
    if (profile.profile_type === "Localhost") return localProfile(profile.localhost_ref);
    return undefined;
  }
  // The deprecated path form; nothing at all is unconfined, as in Kubernetes.
  const path: string = security.seccomp_profile_path ?? "";
  if (path === "" || path === "unconfined") return "unconfined";
  if (path === "runtime/default" || path === "docker/default") return undefined;
  if (path.startsWith("localhost/")) return localProfile(path.slice("localhost".length));
  throw invalidArgument(`unsupported seccomp profile path "${path}"`);
}

/** A Localhost profile, read from the host (as root, where kubelet keeps it). */
function localProfile(path: string): string {
  if (!path?.startsWith("/")) {
    throw invalidArgument(`seccomp profile path must be absolute: ${path}`);
  }
  const text = readSystemFile(path);
  if (text === undefined) throw notFound(`cannot load seccomp profile "${path}": not found`);
  return text;
}

/** The daemon's own OOM score: a container's may not be lower (no CAP_SYS_RESOURCE). */
function ownOomScoreAdj(): number {
  return Number(readSystemFile("/proc/self/oom_score_adj")?.trim()) || 0;
}

function int(value: unknown): number {
  return Number(value) || 0;
}

/** HostConfig resources of CRI LinuxContainerResources. */
export function hostResources(resources: CriMessage | null | undefined): Partial<HostConfig> {
  if (!resources) return {};
  const oom = int(resources.oom_score_adj);
  return {
    CpuPeriod: int(resources.cpu_period),
    CpuQuota: int(resources.cpu_quota),
    CpuShares: int(resources.cpu_shares),
    Memory: int(resources.memory_limit_in_bytes),
    MemorySwap: int(resources.memory_swap_limit_in_bytes) || undefined,
    CpusetCpus: resources.cpuset_cpus ?? "",
    CpusetMems: resources.cpuset_mems ?? "",
    ...(oom ? { OomScoreAdj: Math.max(oom, ownOomScoreAdj()) } : {}),
  };
}

/** HostConfig.Mounts of CRI mounts: binds that make a missing host directory, as containerd. */
function mountsOf(mounts: CriMessage[]): unknown[] {
  return mounts.map((mount) => {
    if (!mount.container_path?.startsWith("/")) {
      throw invalidArgument(`mount container path must be absolute: "${mount.container_path}"`);
    }
    if (!mount.host_path) throw invalidArgument("mount host path is required");
    const propagation = PROPAGATION[mount.propagation] ?? "rprivate";
    if (mount.recursive_read_only && !mount.readonly) {
      throw invalidArgument("recursive read-only mount needs readonly to be set");
    }
    if (mount.recursive_read_only && propagation !== "rprivate") {
      throw invalidArgument(
        `recursive read-only mount needs private propagation, got ${mount.propagation}`,
      );
    }
    return {
      Type: "bind",
      // The host path may be a symlink: the mount is of what it points to.
      Source: mount.host_path,
      Target: mount.container_path,
      ReadOnly: Boolean(mount.readonly),
      BindOptions: {
        Propagation: propagation,
        CreateMountpoint: true,
        ReadOnlyForceRecursive: Boolean(mount.recursive_read_only),
      },
    };
  });
}

/** The create request (docker's shape) of a CRI ContainerConfig in `sandbox`. */
function createRequest(sandbox: Sandbox, config: CriMessage): CreateRequest {
  const pod = sandbox.record.cri;
  const security = config.linux?.security_context ?? {};
  const options = security.namespace_options ?? {};
  const hostNetwork = pod.namespaces.network === "NODE";
  const capabilities = security.capabilities ?? {};
  const seccomp = security.privileged ? undefined : seccompOption(security);
  const decoder = new TextDecoder();
  return {
    Image: config.image.image,
    Entrypoint: config.command?.length ? config.command : null,
    Cmd: config.args?.length ? config.args : null,
    Env: (config.envs ?? []).map((entry: CriMessage) =>
      `${entry.key}=${typeof entry.value === "string" ? entry.value : decoder.decode(entry.value)}`
    ),
    WorkingDir: config.working_dir ?? "",
    User: processUser(security),
    Tty: Boolean(config.tty),
    OpenStdin: Boolean(config.stdin),
    StdinOnce: Boolean(config.stdin_once),
    AttachStdin: Boolean(config.stdin),
    Labels: {},
    HostConfig: {
      NetworkMode: hostNetwork ? "host" : `container:${sandbox.id}`,
      IpcMode: pod.namespaces.ipc === "NODE" ? "host" : "",
      PidMode: options.pid === "NODE" || pod.namespaces.pid === "NODE" ? "host" : "",
      UTSMode: hostNetwork ? "host" : "",
      CapAdd: capabilities.add_capabilities ?? [],
      CapDrop: capabilities.drop_capabilities ?? [],
      Privileged: Boolean(security.privileged),
      ReadonlyRootfs: Boolean(security.readonly_rootfs),
      GroupAdd: (security.supplemental_groups ?? []).map(String),
      SecurityOpt: [
        ...(security.no_new_privs ? ["no-new-privileges=true"] : []),
        ...(seccomp ? [`seccomp=${seccomp}`] : []),
      ],
      MaskedPaths: security.masked_paths?.length ? security.masked_paths : null,
      ReadonlyPaths: security.readonly_paths?.length ? security.readonly_paths : null,
      Devices: (config.devices ?? []).map((device: CriMessage) => ({
        PathOnHost: device.host_path,
        PathInContainer: device.container_path || device.host_path,
        CgroupPermissions: device.permissions || "rwm",
      })),
      Mounts: mountsOf(config.mounts ?? []),
      CgroupParent: pod.cgroupParent || undefined,
      LogConfig: { Type: "none", Config: {} },
      Runtime: pod.runtimeHandler || undefined,
      ...hostResources(config.linux?.resources),
    },
  };
}

async function createPodContainer(
  context: DaemonContext,
  request: CriMessage,
): Promise<CriMessage> {
  const sandbox = getSandbox(context, request.pod_sandbox_id);
  const config = request.config;
  if (!config?.metadata?.name) throw invalidArgument("ContainerConfig.Metadata.name is required");
  if (!config.image?.image) throw invalidArgument("ContainerConfig.Image is required");
  if (!context.images.find(config.image.image)) {
    throw notFound(`failed to get image "${config.image.image}": not found`);
  }
  const metadata = { name: config.metadata.name, attempt: int(config.metadata.attempt) };
  const name = containerName(sandbox, metadata);
  if (!context.containers.nameFree(name)) {
    throw new GrpcError(GrpcCode.ALREADY_EXISTS, `the container name "${name}" is reserved`);
  }
  const options = config.linux?.security_context?.namespace_options ?? {};
  const logDirectory = sandbox.record.cri.logDirectory;
  const info: CriContainerInfo = {
    kind: "container",
    sandboxId: sandbox.id,
    metadata,
    labels: stringMap(config.labels),
    annotations: stringMap(config.annotations),
    logPath: logDirectory && config.log_path
      ? `${logDirectory.replace(/\/+$/, "")}/${config.log_path}`
      : "",
    image: config.image.image,
    createdAt: nowNanos(),
    mounts: config.mounts ?? [],
    ...(config.linux?.security_context?.supplemental_groups_policy === "Strict"
      ? { strictGroups: true }
      : {}),
    sharePid: (options.pid ?? sandbox.record.cri.namespaces.pid) === "POD" &&
      sandbox.record.cri.namespaces.pid !== "NODE",
    ...(options.pid === "TARGET" && options.target_id ? { pidTarget: options.target_id } : {}),
  };
  const container = await createContainer(
    context,
    name,
    createRequest(sandbox, config),
    undefined,
    {
      id: context.shimPool.takeOwned(sandbox.id),
      cri: info,
    },
  );
  return { container_id: container.id };
}

/** CreateContainer. */
export const containerCreateHandlers: CriHandlers = {
  CreateContainer: createPodContainer,
};
