/**
 * PodSandboxStatus and ListPodSandbox.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import type { CriHandlers, CriMessage } from "./cri_call.ts";
import { getSandbox, isSandbox, type Sandbox, sandboxReady } from "./cri_lookup.ts";
import { matchesSelector, nowNanos } from "./cri_values.ts";

function sandboxState(sandbox: Sandbox): string {
  return sandboxReady(sandbox) ? "SANDBOX_READY" : "SANDBOX_NOTREADY";
}

/** The PodSandbox of ListPodSandbox. */
function sandboxSummary(sandbox: Sandbox): CriMessage {
  const info = sandbox.record.cri;
  return {
    id: sandbox.id,
    metadata: info.metadata,
    state: sandboxState(sandbox),
    created_at: info.createdAt,
    labels: info.labels,
    annotations: info.annotations,
    runtime_handler: info.runtimeHandler,
  };
}

function podSandboxStatus(context: DaemonContext, request: CriMessage): CriMessage {
  const sandbox = getSandbox(context, request.pod_sandbox_id);
  const info = sandbox.record.cri;
  const [ip, ...more] = sandboxReady(sandbox) ? info.network?.ips ?? [] : [];
  const status = {
    ...sandboxSummary(sandbox),
    network: { ip: ip ?? "", additional_ips: more.map((address) => ({ ip: address })) },
    linux: {
      namespaces: {
        options: {
          network: info.namespaces.network,
          pid: info.namespaces.pid,
          ipc: info.namespaces.ipc,
        },
      },
    },
  };
  const verbose = request.verbose
    ? {
      info: {
        info: JSON.stringify({
          pid: sandbox.state.Pid,
          processStatus: sandbox.state.Status,
          netNamespacePath: info.netns ?? "",
          runtimeHandler: info.runtimeHandler || context.runtimes.defaultName,
          cgroupParent: info.cgroupParent,
          network: info.network ?? null,
          portMappings: info.portMappings,
          image: "berth-pause (built in)",
        }),
      },
    }
    : {};
  return { status, ...verbose, containers_statuses: [], timestamp: nowNanos() };
}

function listPodSandbox(context: DaemonContext, request: CriMessage): CriMessage {
  const filter = request.filter ?? {};
  const items = context.containers.list().filter(isSandbox).filter((sandbox) =>
    (!filter.id || sandbox.id === filter.id || sandbox.id.startsWith(filter.id)) &&
    (!filter.state || filter.state.state === sandboxState(sandbox)) &&
    matchesSelector(sandbox.record.cri.labels, filter.label_selector)
  );
  return { items: items.map(sandboxSummary) };
}

/** PodSandboxStatus, ListPodSandbox. */
export const sandboxStatusHandlers: CriHandlers = {
  PodSandboxStatus: podSandboxStatus,
  ListPodSandbox: listPodSandbox,
};
