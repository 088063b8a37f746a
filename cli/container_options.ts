/**
 * The flags `run` and `create` share, and the create request they make.
 * @module
 */

import type { Flags, FlagSpec } from "./flags.ts";
import { keyValues, UsageError } from "./flags.ts";
import { parseMountOption } from "./mount_option.ts";
import { RESOURCE_FLAGS, resourceLimits } from "./resource_flags.ts";
import { HOST_OPTION_FLAGS, hostOptions } from "./host_option_flags.ts";
import { HEALTH_FLAGS, healthcheck } from "./health_flags.ts";

/** Flags of `create` and `run` by name, for commands that take the same ones (`exec`). */
export function containerFlags(...names: string[]): FlagSpec[] {
  return names.map((name) => {
    const spec = CONTAINER_FLAGS.find((flag) => flag.name === name);
    if (!spec) throw new Error(`no container flag ${name}`);
    return spec;
  });
}

/** Flags of `create` (and `run`). */
export const CONTAINER_FLAGS: FlagSpec[] = [
  {
    name: "attach",
    short: "a",
    type: "list",
    value: "list",
    description: "Attach to STDIN, STDOUT or STDERR",
  },
  {
    name: "interactive",
    short: "i",
    type: "bool",
    description: "Keep STDIN open even if not attached",
  },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "name", type: "string", value: "string", description: "Assign a name to the container" },
  {
    name: "env",
    short: "e",
    type: "list",
    value: "list",
    description: "Set environment variables",
  },
  {
    name: "env-file",
    type: "list",
    value: "list",
    description: "Read in a file of environment variables",
  },
  {
    name: "workdir",
    short: "w",
    type: "string",
    value: "string",
    description: "Working directory inside the container",
  },
  {
    name: "user",
    short: "u",
    type: "string",
    value: "string",
    description: "Username or UID (format: <name|uid>[:<group|gid>])",
  },
  {
    name: "entrypoint",
    type: "string",
    value: "string",
    description: "Overwrite the default ENTRYPOINT of the image",
  },
  {
    name: "hostname",
    short: "h",
    type: "string",
    value: "string",
    description: "Container host name",
  },
  {
    name: "label",
    short: "l",
    type: "list",
    value: "list",
    description: "Set meta data on a container",
  },
  {
    name: "runtime",
    type: "string",
    value: "string",
    description: "Runtime to use for this container (runc, crun, ...)",
  },
  {
    name: "log-driver",
    type: "string",
    value: "string",
    description: "Logging driver for the container (json-file, k8s-file, none)",
  },
  {
    name: "log-opt",
    type: "list",
    value: "list",
    description: "Log driver options (max-size=, max-file=)",
  },
  {
    name: "stop-signal",
    type: "string",
    value: "string",
    description: "Signal to stop the container",
  },
  {
    name: "stop-timeout",
    type: "int",
    value: "int",
    description: "Timeout (in seconds) to stop a container",
  },
  {
    name: "network",
    type: "list",
    value: "network",
    description: "Connect a container to a network (none, host; repeated: several networks)",
  },
  { name: "link", type: "list", value: "list", description: "Add link to another container" },
  {
    name: "volume-driver",
    type: "string",
    value: "string",
    description: "Optional volume driver for the container",
  },
  { name: "net", type: "string", value: "network", description: "Alias of --network" },
  // What only the bridge network could honour: sent, for the daemon to refuse in docker's words.
  {
    name: "ip",
    type: "string",
    value: "string",
    description: "IPv4 address (e.g., 172.30.100.104)",
  },
  {
    name: "ip6",
    type: "string",
    value: "string",
    description: "IPv6 address (e.g., 2001:db8::33)",
  },
  {
    name: "link-local-ip",
    type: "list",
    value: "list",
    description: "Container IPv4/IPv6 link-local addresses",
  },
  {
    name: "mac-address",
    type: "string",
    value: "string",
    description: "Container MAC address (e.g., 92:d0:c6:0a:29:33)",
  },
  { name: "network-alias", type: "list", value: "list", description: "Add network-scoped alias" },
  ...RESOURCE_FLAGS,
  ...HOST_OPTION_FLAGS,
  ...HEALTH_FLAGS,
  {
    name: "volume",
    short: "v",
    type: "list",
    value: "list",
    description: "Bind mount a volume ([SRC:]DST[:ro])",
  },
  {
    name: "mount",
    type: "list",
    value: "mount",
    description: "Attach a filesystem mount to the container (type=bind|volume|tmpfs,...)",
  },
  {
    name: "volumes-from",
    type: "list",
    value: "list",
    description: "Mount volumes from the specified container(s) (CONTAINER[:ro|rw])",
  },
  {
    name: "expose",
    type: "list",
    value: "list",
    description: "Expose a port or a range of ports",
  },
  {
    name: "quiet",
    short: "q",
    type: "bool",
    description: "Suppress the pull output",
  },
  {
    name: "cidfile",
    type: "string",
    value: "string",
    description: "Write the container ID to the file",
  },
  {
    name: "tmpfs",
    type: "list",
    value: "list",
    description: "Mount a tmpfs directory (PATH[:OPTIONS])",
  },
  {
    name: "ulimit",
    type: "list",
    value: "ulimit",
    description: "Ulimit options (name=soft[:hard])",
  },
  {
    name: "restart",
    type: "string",
    value: "string",
    description: "Restart policy (no, always, unless-stopped, on-failure[:max-retries])",
  },
  {
    name: "rm",
    type: "bool",
    description:
      "Automatically remove the container and its associated anonymous volumes when it exits",
  },
  {
    name: "detach-keys",
    type: "string",
    value: "string",
    description: "Override the key sequence for detaching a container",
  },
  {
    name: "platform",
    type: "string",
    value: "string",
    description: "Set platform if server is multi-platform capable",
  },
  {
    name: "pull",
    type: "string",
    value: "string",
    description: 'Pull image before running ("always", "missing", "never")',
  },
];

/** Read an env file: KEY=value lines, KEY alone takes the value from our environment. */
export async function readEnvFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(
      `open ${path}: ${
        error instanceof Deno.errors.NotFound ? "no such file or directory" : error
      }`,
    );
  }
  const entries: string[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.replace(/^\s+/, "").replace(/\r$/, "");
    if (!line || line.startsWith("#")) continue;
    const resolved = resolveEnv(line);
    if (resolved === undefined && /\s/.test(line.split("=")[0])) {
      throw new UsageError(
        `variable '${line}' contains whitespaces (line ${index + 1} of ${path})`,
      );
    }
    if (resolved !== undefined) entries.push(resolved);
  }
  return entries;
}

/** `KEY=value` stays; `KEY` becomes `KEY=<our value>`, or nothing when unset. */
/** The `--env-file` entries, then the `-e` ones (a bare name takes our value). */
export async function environment(flags: Flags): Promise<string[]> {
  const env: string[] = [];
  for (const file of flags.list("env-file")) env.push(...await readEnvFile(file));
  for (const entry of flags.list("env")) {
    const resolved = resolveEnv(entry);
    if (resolved !== undefined) env.push(resolved);
  }
  return env;
}

function resolveEnv(entry: string): string | undefined {
  if (entry.includes("=")) return entry;
  const value = Deno.env.get(entry);
  return value === undefined ? undefined : `${entry}=${value}`;
}

function parseUlimit(text: string) {
  const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(text);
  if (!match) {
    throw new UsageError(
      `invalid argument "${text}" for "--ulimit" flag: expected name=soft[:hard]`,
    );
  }
  const soft = Number(match[2]);
  return { Name: match[1], Soft: soft, Hard: match[3] !== undefined ? Number(match[3]) : soft };
}

function parseLogOptions(options: string[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const option of options) {
    const index = option.indexOf("=");
    if (index <= 0) {
      throw new UsageError(`invalid argument "${option}" for "--log-opt" flag: expected key=value`);
    }
    config[option.slice(0, index)] = option.slice(index + 1);
  }
  return config;
}

/** `--restart NAME[:MAX_RETRIES]` as the API's object. */
export function restartPolicy(text: string, autoRemove: boolean) {
  const [name, retries] = text.split(":");
  if (retries !== undefined && !/^\d+$/.test(retries)) {
    throw new UsageError(`invalid restart policy format: maximum retry count must be an integer`);
  }
  if (autoRemove && name !== "no" && name !== "") {
    throw new UsageError("Conflicting options: --restart and --rm");
  }
  return { Name: name, MaximumRetryCount: retries === undefined ? 0 : Number(retries) };
}

/** `--tmpfs PATH[:OPTIONS]` values as the API's map. */
function tmpfsMounts(values: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(":");
    if (colon < 0) result[value] = "";
    else result[value.slice(0, colon)] = value.slice(colon + 1);
  }
  return result;
}

/** Terminal size for a new tty container, when we have a terminal. */
export function consoleSize(): [number, number] {
  try {
    const { rows, columns } = Deno.consoleSize();
    return [rows, columns];
  } catch {
    return [0, 0];
  }
}

/** The networks of `--network` (repeatable) or `--net`; the first is the NetworkMode. */
function networksOf(flags: Flags): string[] {
  const networks = flags.list("network");
  const net = flags.string("net");
  return networks.length ? networks : [net ?? "default"];
}

/**
 * `--ip`, `--mac-address` and the like (for the first network) and every
 * other `--network`, as the API's NetworkingConfig (or none).
 */
function endpointSettings(flags: Flags): Record<string, unknown> | undefined {
  const ipv4 = flags.string("ip");
  const ipv6 = flags.string("ip6");
  const linkLocal = flags.list("link-local-ip");
  const mac = flags.string("mac-address");
  const aliases = flags.list("network-alias");
  const [first, ...others] = networksOf(flags);
  if (!ipv4 && !ipv6 && !linkLocal.length && !mac && !aliases.length && !others.length) {
    return undefined;
  }
  return {
    EndpointsConfig: {
      [first]: {
        IPAMConfig: { IPv4Address: ipv4, IPv6Address: ipv6, LinkLocalIPs: linkLocal },
        Aliases: aliases,
        MacAddress: mac,
      },
      ...Object.fromEntries(others.map((network) => [network, {}])),
    },
  };
}

/** `--expose PORT[/PROTO]` or `START-END[/PROTO]`, as Config.ExposedPorts. */
export function exposedPorts(specs: string[]): Record<string, Record<string, never>> {
  const ports: Record<string, Record<string, never>> = {};
  for (const spec of specs) {
    const [range, protocol = "tcp", ...rest] = spec.split("/");
    const match = /^(\d+)(?:-(\d+))?$/.exec(range);
    const first = Number(match?.[1]);
    const last = match?.[2] === undefined ? first : Number(match[2]);
    if (
      !match || rest.length > 0 || !["tcp", "udp", "sctp"].includes(protocol) || first < 1 ||
      last > 65535 || last < first
    ) {
      throw new UsageError(`invalid range format for --expose: ${spec}`);
    }
    for (let port = first; port <= last; port++) ports[`${port}/${protocol}`] = {};
  }
  return ports;
}

/** The POST /containers/create body for these flags. */
export async function createRequest(
  flags: Flags,
  options: { detached: boolean },
): Promise<{ name?: string; body: Record<string, unknown> }> {
  const [image, ...command] = flags.positionals;
  const attach = flags.list("attach").map((stream) => stream.toLowerCase());
  for (const stream of attach) {
    if (!["stdin", "stdout", "stderr"].includes(stream)) {
      throw new UsageError(
        `invalid argument "${stream}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`,
      );
    }
  }
  const interactive = flags.bool("interactive");
  const tty = flags.bool("tty");
  const attachAll = !options.detached && attach.length === 0;
  const attachStdin = attach.includes("stdin") || (attachAll && interactive);
  const env = await environment(flags);
  const entrypoint = flags.string("entrypoint");
  const pull = flags.string("pull");
  if (pull !== undefined && !["always", "missing", "never"].includes(pull)) {
    throw new UsageError(
      `invalid pull option: '${pull}': must be one of "always", "missing" or "never"`,
    );
  }
  const body: Record<string, unknown> = {
    Hostname: flags.string("hostname") ?? "",
    User: flags.string("user") ?? "",
    AttachStdin: attachStdin,
    AttachStdout: attachAll || attach.includes("stdout"),
    AttachStderr: attachAll || attach.includes("stderr"),
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive && attachStdin,
    Env: env,
    Cmd: command.length ? command : null,
    Image: image,
    Domainname: flags.string("domainname") ?? "",
    Healthcheck: healthcheck(flags),
    WorkingDir: flags.string("workdir") ?? "",
    Entrypoint: entrypoint === undefined ? null : entrypoint === "" ? [""] : [entrypoint],
    Labels: keyValues(flags.list("label"), "label"),
    ExposedPorts: exposedPorts(flags.list("expose")),
    StopSignal: flags.string("stop-signal"),
    StopTimeout: flags.int("stop-timeout"),
    NetworkingConfig: endpointSettings(flags),
    HostConfig: {
      NetworkMode: networksOf(flags)[0],
      Links: flags.list("link"),
      VolumeDriver: flags.string("volume-driver") ?? "",
      AutoRemove: flags.bool("rm"),
      Runtime: flags.string("runtime") ?? "",
      LogConfig: {
        Type: flags.string("log-driver") ?? "",
        Config: parseLogOptions(flags.list("log-opt")),
      },
      RestartPolicy: restartPolicy(flags.string("restart") ?? "no", flags.bool("rm")),
      ...resourceLimits(flags),
      ...hostOptions(flags),
      Ulimits: flags.list("ulimit").map(parseUlimit),
      ConsoleSize: tty ? consoleSize() : [0, 0],
      Binds: flags.list("volume"),
      Mounts: flags.list("mount").map(parseMountOption),
      Tmpfs: tmpfsMounts(flags.list("tmpfs")),
      VolumesFrom: flags.list("volumes-from"),
    },
  };
  return { name: flags.string("name"), body };
}
