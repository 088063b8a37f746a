/**
 * GET|HEAD /_ping, GET /version, GET /info, GET /system/df.
 * @module
 */

import { BERTH_VERSION } from "../../../protocol/version.ts";
import { hostArchitecture } from "../../images/image_config.ts";
import { diskUsage } from "../../system/disk_usage.ts";
import { API_VERSION, type ApiRequest, commonHeaders, MIN_API_VERSION } from "../http.ts";
import { seccompProfileName } from "../../oci/seccomp.ts";

/** HEAD/GET /_ping: "OK" and the API version in a header. */
export function ping({ req, res }: ApiRequest): void {
  res.writeHead(200, {
    ...commonHeaders(),
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    // The classic builder (POST /build); no BuildKit session.
    "Builder-Version": "1",
    "Content-Length": "2",
  });
  res.end(req.method === "HEAD" ? undefined : "OK");
}

function kernelVersion(): string {
  try {
    return Deno.osRelease();
  } catch {
    return "";
  }
}

async function operatingSystem(): Promise<string> {
  try {
    const text = await Deno.readTextFile("/etc/os-release");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

/** GET /version. */
export async function version({ context }: ApiRequest) {
  const details = {
    ApiVersion: API_VERSION,
    Arch: hostArchitecture(),
    BuildTime: "",
    Experimental: "false",
    GitCommit: "",
    GoVersion: `deno ${Deno.version.deno}`,
    KernelVersion: kernelVersion(),
    MinAPIVersion: MIN_API_VERSION,
    Os: "linux",
  };
  return {
    status: 200,
    body: {
      Platform: { Name: "berth" },
      Components: [
        { Name: "Engine", Version: BERTH_VERSION, Details: details },
        ...await Promise.all(
          context.runtimes.list().map(async (runtime) => ({
            Name: runtime.name,
            Version: await context.runtimes.version(runtime.name),
            Details: { Path: runtime.path },
          })),
        ),
      ],
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: "",
      GoVersion: details.GoVersion,
      Os: "linux",
      Arch: details.Arch,
      KernelVersion: details.KernelVersion,
      Experimental: false,
      BuildTime: "",
    },
  };
}

/** GET /info. */
export async function info({ context }: ApiRequest) {
  const counts = context.containers.counts();
  let memTotal = 0;
  try {
    memTotal = Deno.systemMemoryInfo().total;
  } catch {
    // not permitted
  }
  return {
    status: 200,
    body: {
      ID: context.daemonId,
      Containers: counts.total,
      ContainersRunning: counts.running,
      ContainersPaused: counts.paused,
      ContainersStopped: counts.stopped,
      Images: context.images.list().length,
      Driver: "overlay2",
      DriverStatus: [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
      Plugins: {
        Volume: [],
        Network: context.bridge ? ["bridge", "host", "null"] : ["host", "null"],
        Authorization: null,
        Log: ["json-file", "k8s-file"],
      },
      MemoryLimit: true,
      SwapLimit: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: false,
      Debug: context.flags.logLevel === "debug",
      NFd: 0,
      OomKillDisable: false,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: context.flags.logDriver,
      CgroupDriver: "cgroupfs",
      CgroupVersion: String(context.cgroupVersion),
      NEventsListener: 0,
      KernelVersion: kernelVersion(),
      OperatingSystem: await operatingSystem(),
      OSVersion: "",
      OSType: "linux",
      Architecture: Deno.build.arch,
      IndexServerAddress: "https://index.docker.io/v1/",
      RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
      NCPU: navigator.hardwareConcurrency,
      MemTotal: memTotal,
      GenericResources: null,
      DockerRootDir: context.flags.root,
      HttpProxy: "",
      HttpsProxy: "",
      NoProxy: "",
      Name: context.hostname,
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: BERTH_VERSION,
      Runtimes: Object.fromEntries(
        context.runtimes.list().map((runtime) => [runtime.name, { path: runtime.path }]),
      ),
      DefaultRuntime: context.runtimes.defaultName,
      Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false },
      LiveRestoreEnabled: true,
      Isolation: "",
      InitBinary: "",
      SecurityOptions: securityOptions(context),
      Warnings: context.lsm.apparmor || context.lsm.selinux ? [] : [
        "WARNING: neither AppArmor nor SELinux is enabled on this host: containers are confined " +
        "by seccomp, capabilities, namespaces and masked paths only",
      ],
    },
  };
}

/** docker's SecurityOptions of /info: what confines containers here. */
function securityOptions(context: ApiRequest["context"]): string[] {
  return [
    ...(context.lsm.apparmor ? ["name=apparmor"] : []),
    ...(context.lsm.selinux ? ["name=selinux"] : []),
    `name=seccomp,profile=${seccompProfileName(context.seccompDefault)}`,
    ...(context.remap ? ["name=userns"] : []),
    "name=cgroupns",
  ];
}

/** GET /system/df */
export async function df({ context }: ApiRequest) {
  return { status: 200, body: await diskUsage(context) };
}
