/**
 * Version, Status, RuntimeConfig and UpdateRuntimeConfig: what the runtime
 * is, whether it and the pods' network are ready, its cgroup driver.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BERTH_VERSION } from "../../protocol/version.ts";
import { loadNetworkList } from "../cni/cni_config.ts";
import { errorMessage } from "../logger.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";

/** The CRI version berth speaks. */
const CRI_API_VERSION = "v1";

function version(): CriMessage {
  return {
    version: "0.1.0",
    runtime_name: "berth",
    runtime_version: BERTH_VERSION,
    runtime_api_version: CRI_API_VERSION,
  };
}

/** NetworkReady: a network config is there to set pods up with. */
async function networkCondition(context: DaemonContext): Promise<CriMessage> {
  try {
    await loadNetworkList(context.flags.cniConfDir);
    return { type: "NetworkReady", status: true, reason: "", message: "" };
  } catch (error) {
    return {
      type: "NetworkReady",
      status: false,
      reason: "NetworkPluginNotReady",
      message: `Network plugin returns error: cni plugin not initialized: ${errorMessage(error)}`,
    };
  }
}

async function status(context: DaemonContext, request: CriMessage): Promise<CriMessage> {
  // runc (1.1 on) and crun take `rro`; the kernel has mount_setattr (5.12 on).
  const features = { recursive_read_only_mounts: true, user_namespaces: false };
  const handlers = ["", ...context.runtimes.list().map((runtime) => runtime.name)];
  return {
    status: {
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        await networkCondition(context),
      ],
    },
    info: request.verbose
      ? {
        config: JSON.stringify({
          defaultRuntime: context.runtimes.defaultName,
          runtimes: context.runtimes.list().map(({ name, path }) => ({ name, path })),
          cniConfDir: context.flags.cniConfDir,
          cniBinDirs: context.flags.cniBinDirs,
          registryMirrors: context.flags.registryMirrors,
          cgroupDriver: "cgroupfs",
        }),
      }
      : {},
    runtime_handlers: handlers.map((name) => ({ name, features })),
    features: { supplemental_groups_policy: true },
  };
}

/** RuntimeConfig: berth drives cgroups through cgroupfs. */
function runtimeConfig(): CriMessage {
  return { linux: { cgroup_driver: "CGROUPFS" } };
}

/** UpdateRuntimeConfig: the pod CIDR is the network plugin's business; nothing to do. */
function updateRuntimeConfig(): CriMessage {
  return {};
}

/** Version, Status, RuntimeConfig, UpdateRuntimeConfig. */
export const runtimeInfoHandlers: CriHandlers = {
  Version: version,
  Status: status,
  RuntimeConfig: runtimeConfig,
  UpdateRuntimeConfig: updateRuntimeConfig,
};
