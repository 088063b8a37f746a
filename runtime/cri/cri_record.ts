/**
 * What a container record keeps for the CRI (`ContainerRecord.cri`): a pod
 * sandbox's holder or a pod's container, with the CRI's own names, labels
 * and annotations. Containers with it belong to the CRI, as containerd's
 * `k8s.io` namespace: the Docker API does not list them.
 * @module
 */

import type { CniNetworkList } from "../cni/cni_config.ts";
import type { CniResult } from "../cni/cni_exec.ts";

/** A namespace's mode as the CRI names it. */
export type NamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";

/** One port mapping of a pod (CRI PortMapping). */
export interface CriPortMapping {
  protocol: string;
  container_port: number;
  host_port: number;
  host_ip: string;
}

/** A pod sandbox: its holder container's record carries this. */
export interface CriSandboxInfo {
  kind: "sandbox";
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Where its containers' logs go (may be empty). */
  logDirectory: string;
  /** The runtime handler it was asked for ("" for the default). */
  runtimeHandler: string;
  namespaces: { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode };
  /** Nanoseconds since the epoch, as a decimal string. */
  createdAt: string;
  /** The pinned network namespace (`/run/netns/...`); none with the host's network. */
  netns?: string;
  /** The CNI attachment while it holds addresses: DEL is owed until it is cleared. */
  network?: {
    networkName: string;
    ifName: string;
    ips: string[];
    config: CniNetworkList;
    /** ADD's result (CHECK's input). */
    result?: CniResult;
  };
  portMappings: CriPortMapping[];
  /** Stopped by StopPodSandbox (NOTREADY from then on, whatever its holder does). */
  stopped?: boolean;
  /** The pod's cgroup parent (cgroupfs path). */
  cgroupParent: string;
}

/** A pod's container. */
export interface CriContainerInfo {
  kind: "container";
  sandboxId: string;
  metadata: { name: string; attempt: number };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The log file's absolute path ("" for none). */
  logPath: string;
  /** The image as the request named it. */
  image: string;
  createdAt: string;
  /** The CRI mounts as asked for, for ContainerStatus. */
  mounts: unknown[];
  /** SupplementalGroupsPolicy Strict: the image's /etc/group memberships are left out. */
  strictGroups?: boolean;
  /** The identity its process got at its start. */
  user?: { uid: number; gid: number; groups: number[] };
  /** It joins the pod's PID namespace (NamespaceMode POD). */
  sharePid: boolean;
  /** The container whose PID namespace it joins (NamespaceMode TARGET). */
  pidTarget?: string;
}

/** Either kind. */
export type CriInfo = CriSandboxInfo | CriContainerInfo;
