/**
 * A pod's network, the way Kubernetes network plugins expect it: a
 * network namespace pinned under /run/netns (it outlives the holder
 * process, so that DEL always has it), set up by the CNI plugins of the
 * first network config with ADD and torn down with DEL.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { runNetworkTool } from "../networks/bridge_driver.ts";
import {
  cniAdd,
  type CniAttachment,
  cniCheck,
  cniDel,
  resultAddresses,
  supportsCheck,
} from "../cni/cni_exec.ts";
import { loadNetworkList } from "../cni/cni_config.ts";
import type { Container } from "../containers/container.ts";
import type { CriSandboxInfo } from "./cri_record.ts";
import { errorMessage, log } from "../logger.ts";

/** The interface every pod gets. */
const POD_INTERFACE = "eth0";

/** Pin a new network namespace for a sandbox (loopback up); returns its path. */
export async function createPodNetns(sandboxId: string): Promise<string> {
  const name = `berth-${sandboxId.slice(0, 16)}`;
  await runNetworkTool("ip", ["netns", "add", name]);
  try {
    await runNetworkTool("ip", ["-n", name, "link", "set", "lo", "up"]);
  } catch (error) {
    await removePodNetns(`/run/netns/${name}`);
    throw error;
  }
  return `/run/netns/${name}`;
}

/** Unpin a sandbox's network namespace (gone already: nothing to do). */
export async function removePodNetns(path: string): Promise<void> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  await runNetworkTool("ip", ["netns", "delete", name]).catch((error) => {
    if (!/No such file|not found/i.test(errorMessage(error))) throw error;
  });
}

function attachmentOf(sandbox: Container, info: CriSandboxInfo): CniAttachment {
  return {
    containerId: sandbox.id,
    netns: info.netns ?? "",
    ifName: info.network?.ifName ?? POD_INTERFACE,
    args: [
      ["K8S_POD_NAMESPACE", info.metadata.namespace],
      ["K8S_POD_NAME", info.metadata.name],
      ["K8S_POD_INFRA_CONTAINER_ID", sandbox.id],
      ["K8S_POD_UID", info.metadata.uid],
    ],
    capabilityArgs: {
      portMappings: info.portMappings.filter((port) => port.host_port > 0).map((port) => ({
        hostPort: port.host_port,
        containerPort: port.container_port,
        protocol: port.protocol.toLowerCase() || "tcp",
        hostIP: port.host_ip,
      })),
    },
  };
}

/**
 * ADD the pod to the first network config; the attachment is recorded
 * (before ADD runs, so that a daemon killed meanwhile still owes DEL).
 */
export async function attachPodNetwork(context: DaemonContext, sandbox: Container): Promise<void> {
  const info = sandbox.record.cri as CriSandboxInfo;
  const list = await loadNetworkList(context.flags.cniConfDir);
  info.network = { networkName: list.name, ifName: POD_INTERFACE, ips: [], config: list };
  await sandbox.save();
  const result = await cniAdd(context.flags.cniBinDirs, list, attachmentOf(sandbox, info));
  info.network.ips = resultAddresses(result);
  info.network.result = result;
  await sandbox.save();
}

/** DEL the pod from its network, if it is attached; the record then says it is not. */
export async function detachPodNetwork(context: DaemonContext, sandbox: Container): Promise<void> {
  const info = sandbox.record.cri as CriSandboxInfo;
  if (!info.network) return;
  // DEL with the config ADD was given, whatever the config dir holds now.
  await cniDel(context.flags.cniBinDirs, info.network.config, attachmentOf(sandbox, info));
  delete info.network;
  await sandbox.save();
}

/**
 * After a restart: DEL the pods whose holder is gone but whose network
 * was never torn down (their addresses and port mappings would leak), and
 * CHECK the networks of the running ones (a failure is logged: kubelet
 * decides what becomes of the pod).
 */
export async function settlePodNetworks(context: DaemonContext): Promise<void> {
  for (const container of context.containers.list()) {
    const info = container.record.cri;
    if (info?.kind !== "sandbox" || !info.network) continue;
    if (!container.isRunning) {
      await detachPodNetwork(context, container).catch((error) =>
        log.warn("CNI teardown of a stopped pod failed", {
          id: container.id,
          error: errorMessage(error),
        })
      );
    } else if (info.network.result && supportsCheck(info.network.config)) {
      await cniCheck(
        context.flags.cniBinDirs,
        info.network.config,
        attachmentOf(container, info),
        info.network.result,
      ).then(() => log.debug("pod network checked", { id: container.id })).catch((error) =>
        log.warn("CNI CHECK of a running pod failed", {
          id: container.id,
          error: errorMessage(error),
        })
      );
    }
  }
}
