/**
 * RunPodSandbox: a pod's namespaces, held by berth's pause process
 * (dist/berth-pause, bind-mounted into an empty root) in a container of
 * the store, with its network namespace pinned and set up by CNI first,
 * and a shim group of its own that the pod's containers and execs share.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { createContainer } from "../containers/create.ts";
import { startContainer } from "../containers/start.ts";
import { finishRemoval } from "../containers/remove.ts";
import type { Container } from "../containers/container.ts";
import type { Image } from "../images/image_store.ts";
import { newId } from "../ids.ts";
import { errorMessage, log } from "../logger.ts";
import { shimGrant } from "../daemon_context.ts";
import { POOL_LOG_FILES } from "../shims/shim_pool.ts";
import { GrpcCode, GrpcError, invalidArgument } from "./grpc_status.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import type { CriSandboxInfo, NamespaceMode } from "./cri_record.ts";
import { nowNanos, stringMap } from "./cri_values.ts";
import {
  attachPodNetwork,
  createPodNetns,
  detachPodNetwork,
  removePodNetns,
} from "./pod_network.ts";

/** Where the holder runs from inside its (empty) root. */
const HOLDER_PATH = "/pause";

/** The holder's "image": no layers, only its command. */
const HOLDER_IMAGE: Image = {
  id: "",
  config: {
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: [HOLDER_PATH] },
    rootfs: { type: "layers", diff_ids: [] },
  },
  size: 0,
  stored: "",
  tags: [],
  repoDigests: [],
};

/** docker's (dockershim's) name for a pod's sandbox: unique per pod and attempt. */
export function sandboxName(metadata: CriSandboxInfo["metadata"]): string {
  return ["k8s", "POD", metadata.name, metadata.namespace, metadata.uid, metadata.attempt].join(
    "_",
  );
}

function namespaceMode(value: unknown): NamespaceMode {
  return value === "NODE" || value === "CONTAINER" || value === "TARGET" ? value : "POD";
}

/** The holder binary, from the launcher (bin/berth), or beside the bundles. */
export function holderBinary(): string {
  try {
    const path = Deno.env.get("BERTH_PAUSE");
    if (path) return path;
  } catch {
    // not granted: the default place
  }
  return new URL("../../dist/berth-pause", import.meta.url).pathname;
}

/** The sandbox's record part, from a PodSandboxConfig. */
function sandboxInfo(config: CriMessage, runtimeHandler: string): CriSandboxInfo {
  const metadata = config.metadata ?? {};
  for (const field of ["name", "namespace", "uid"]) {
    if (!metadata[field]) throw invalidArgument(`PodSandboxConfig.Metadata.${field} is required`);
  }
  const options = config.linux?.security_context?.namespace_options ?? {};
  if (options.userns_options && options.userns_options.mode === "POD") {
    throw new GrpcError(GrpcCode.UNIMPLEMENTED, "user namespaces are not supported by berth yet");
  }
  return {
    kind: "sandbox",
    metadata: {
      name: metadata.name,
      uid: metadata.uid,
      namespace: metadata.namespace,
      attempt: Number(metadata.attempt) || 0,
    },
    labels: stringMap(config.labels),
    annotations: stringMap(config.annotations),
    logDirectory: config.log_directory ?? "",
    runtimeHandler,
    namespaces: {
      network: options.network === "NODE" ? "NODE" : "POD",
      // POD is the enum's zero: an unset mode means the pod's.
      pid: namespaceMode(options.pid),
      ipc: options.ipc === "NODE" ? "NODE" : "POD",
    },
    createdAt: nowNanos(),
    portMappings: (config.port_mappings ?? []).map((port: CriMessage) => ({
      protocol: String(port.protocol ?? "TCP"),
      container_port: Number(port.container_port) || 0,
      host_port: Number(port.host_port) || 0,
      host_ip: port.host_ip ?? "",
    })),
    cgroupParent: config.linux?.cgroup_parent ?? "",
  };
}

/** The holder container's create request (docker's shape). */
function holderRequest(context: DaemonContext, info: CriSandboxInfo, config: CriMessage) {
  const hostNetwork = info.namespaces.network === "NODE";
  const dns = config.dns_config ?? {};
  return {
    Image: "berth-pause",
    // No hostname asked for: the node's, as containerd (kubelet always sends one).
    Hostname: hostNetwork ? "" : (config.hostname || context.hostname).slice(0, 63),
    Labels: {},
    HostConfig: {
      NetworkMode: hostNetwork ? "host" : "none",
      IpcMode: info.namespaces.ipc === "NODE" ? "host" : "",
      PidMode: info.namespaces.pid === "NODE" ? "host" : "",
      UTSMode: hostNetwork ? "host" : "",
      Dns: dns.servers ?? [],
      DnsSearch: dns.searches ?? [],
      DnsOptions: dns.options ?? [],
      Sysctls: Object.keys(config.linux?.sysctls ?? {}).length
        ? stringMap(config.linux.sysctls)
        : undefined,
      CgroupParent: info.cgroupParent || undefined,
      LogConfig: { Type: "none", Config: {} },
      Runtime: info.runtimeHandler || context.runtimes.defaultName,
      Binds: [`${holderBinary()}:${HOLDER_PATH}:ro`],
      ReadonlyRootfs: true,
    },
  };
}

/**
 * The pod's containers and execs share shim groups of its own, whose grant
 * covers the pod's log directory (again after a daemon restart).
 */
export function addPodShims(context: DaemonContext, id: string, info: CriSandboxInfo): void {
  context.shimPool.addOwner(id, (stateId) => ({
    ...shimGrant(context, stateId, {
      logFiles: POOL_LOG_FILES,
      runtimePaths: context.runtimes.list().map((runtime) => runtime.path),
    }),
    ...(info.logDirectory ? { logDirs: [info.logDirectory] } : {}),
  }));
}

/** Undo a sandbox that could not be made whole. */
async function discardSandbox(context: DaemonContext, sandbox: Container): Promise<void> {
  const info = sandbox.record.cri as CriSandboxInfo;
  await detachPodNetwork(context, sandbox).catch((error) =>
    log.warn("CNI DEL of a failed pod failed", { id: sandbox.id, error: errorMessage(error) })
  );
  if (info.netns) await removePodNetns(info.netns).catch(() => {});
  sandbox.removing = true;
  await finishRemoval(context, sandbox, { volumes: true }).catch(() => {});
  await context.shimPool.removeOwner(sandbox.id);
}

async function runPodSandbox(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  const config = request.config;
  if (!config) throw invalidArgument("PodSandboxConfig is required");
  const handler = request.runtime_handler ?? "";
  if (handler && !context.runtimes.get(handler)) {
    throw new GrpcError(GrpcCode.NOT_FOUND, `no runtime for "${handler}" is configured`);
  }
  const info = sandboxInfo(config, handler);
  const name = sandboxName(info.metadata);
  if (!context.containers.nameFree(name)) {
    throw new GrpcError(GrpcCode.ALREADY_EXISTS, `the pod sandbox name "${name}" is reserved`);
  }
  const id = newId();
  addPodShims(context, id, info);
  if (info.namespaces.network !== "NODE") info.netns = await createPodNetns(id);
  let sandbox: Container;
  try {
    sandbox = await createContainer(
      context,
      name,
      holderRequest(context, info, config),
      undefined,
      {
        image: HOLDER_IMAGE,
        id: context.shimPool.takeOwned(id, id),
        cri: info,
      },
    );
  } catch (error) {
    if (info.netns) await removePodNetns(info.netns).catch(() => {});
    await context.shimPool.removeOwner(id);
    throw error;
  }
  try {
    if (info.netns) await attachPodNetwork(context, sandbox);
    await startContainer(context, sandbox);
  } catch (error) {
    await discardSandbox(context, sandbox);
    throw new GrpcError(
      GrpcCode.UNKNOWN,
      `failed to start the pod sandbox: ${errorMessage(error)}`,
    );
  }
  log.info("pod sandbox ready", {
    id: sandbox.id,
    pod: `${info.metadata.namespace}/${info.metadata.name}`,
    ips: info.network?.ips ?? [],
  });
  return { pod_sandbox_id: sandbox.id };
}

/** RunPodSandbox. */
export const sandboxRunHandlers: CriHandlers = {
  RunPodSandbox: runPodSandbox,
};
