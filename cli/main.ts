/**
 * `berth ...`: the CLI. Global flags, then a subcommand; each subcommand
 * lives in its own file under cli/commands and is loaded on demand.
 * @module
 */

import { DEFAULT_HOST, parseUnixHost } from "../lib/host.ts";
import { ApiClient } from "./api_client.ts";
import type { Command } from "./command.ts";
import { describeError } from "./errors.ts";
import { Flags, type FlagSpec, helpText, parseFlags, UsageError } from "./flags.ts";
import { errLine, outLine, StdoutClosed } from "./output.ts";

const HELP_FLAG: FlagSpec = { name: "help", type: "bool", description: "Print usage" };

type Loader = () => Promise<{ command: Command }>;

const COMMANDS: Record<string, Loader> = {
  run: () => import("./commands/run.ts"),
  attach: () => import("./commands/attach.ts"),
  exec: () => import("./commands/exec.ts"),
  top: () => import("./commands/top.ts"),
  port: () => import("./commands/port.ts"),
  stats: () => import("./commands/stats.ts"),
  events: () => import("./commands/events.ts"),
  diff: () => import("./commands/diff.ts"),
  export: () => import("./commands/export.ts"),
  cp: () => import("./commands/cp.ts"),
  commit: () => import("./commands/commit.ts"),
  build: () => import("./commands/build.ts"),
  "builder-prune": () => import("./commands/builder_prune.ts"),
  create: () => import("./commands/create.ts"),
  start: () => import("./commands/start.ts"),
  stop: () => import("./commands/stop.ts"),
  kill: () => import("./commands/kill.ts"),
  restart: () => import("./commands/restart.ts"),
  rm: () => import("./commands/rm.ts"),
  wait: () => import("./commands/wait.ts"),
  ps: () => import("./commands/ps.ts"),
  inspect: () => import("./commands/inspect.ts"),
  logs: () => import("./commands/logs.ts"),
  rename: () => import("./commands/rename.ts"),
  update: () => import("./commands/update.ts"),
  pause: () => import("./commands/pause.ts"),
  unpause: () => import("./commands/unpause.ts"),
  import: () => import("./commands/import.ts"),
  load: () => import("./commands/load.ts"),
  save: () => import("./commands/save.ts"),
  history: () => import("./commands/history.ts"),
  // Reached as `berth image prune` (docker has no top-level prune).
  "image-prune": () => import("./commands/image_prune.ts"),
  "system-df": () => import("./commands/system_df.ts"),
  "container-prune": () => import("./commands/container_prune.ts"),
  "system-prune": () => import("./commands/system_prune.ts"),
  "network-ls": () => import("./commands/network_ls.ts"),
  "network-rm": () => import("./commands/network_rm.ts"),
  "network-create": () => import("./commands/network_create.ts"),
  "network-connect": () => import("./commands/network_connect.ts"),
  "network-disconnect": () => import("./commands/network_disconnect.ts"),
  "network-prune": () => import("./commands/network_prune.ts"),
  "volume-create": () => import("./commands/volume_create.ts"),
  "volume-ls": () => import("./commands/volume_ls.ts"),
  "volume-rm": () => import("./commands/volume_rm.ts"),
  "volume-prune": () => import("./commands/volume_prune.ts"),
  pull: () => import("./commands/pull.ts"),
  push: () => import("./commands/push.ts"),
  login: () => import("./commands/login.ts"),
  logout: () => import("./commands/logout.ts"),
  images: () => import("./commands/images.ts"),
  tag: () => import("./commands/tag.ts"),
  rmi: () => import("./commands/rmi.ts"),
  version: () => import("./commands/version.ts"),
  info: () => import("./commands/info.ts"),
};

/** `berth container ls` and friends map onto the top-level commands. */
const MANAGEMENT: Record<string, Record<string, string>> = {
  container: {
    ls: "ps",
    list: "ps",
    ps: "ps",
    rm: "rm",
    remove: "rm",
    inspect: "inspect",
    attach: "attach",
    exec: "exec",
    top: "top",
    port: "port",
    stats: "stats",
    update: "update",
    diff: "diff",
    export: "export",
    commit: "commit",
    cp: "cp",
    prune: "container-prune",
  },
  image: {
    ls: "images",
    list: "images",
    rm: "rmi",
    remove: "rmi",
    import: "import",
    load: "load",
    save: "save",
    pull: "pull",
    push: "push",
    history: "history",
    inspect: "inspect",
    prune: "image-prune",
    tag: "tag",
    build: "build",
  },
  builder: { build: "build", prune: "builder-prune" },
  system: { df: "system-df", info: "info", events: "events", prune: "system-prune" },
  network: {
    ls: "network-ls",
    list: "network-ls",
    inspect: "inspect",
    rm: "network-rm",
    remove: "network-rm",
    create: "network-create",
    connect: "network-connect",
    disconnect: "network-disconnect",
    prune: "network-prune",
  },
  volume: {
    create: "volume-create",
    ls: "volume-ls",
    list: "volume-ls",
    inspect: "inspect",
    rm: "volume-rm",
    remove: "volume-rm",
    prune: "volume-prune",
  },
};

/** `berth image inspect` and friends: `inspect` limited to their type. */
const TYPED_INSPECT = new Set(["container", "image", "volume", "network"]);

const DESCRIPTIONS: [string, string][] = [
  ["run", "Create and run a new container from an image"],
  ["attach", "Attach local standard input, output, and error streams to a running container"],
  ["exec", "Execute a command in a running container"],
  ["top", "Display the running processes of a container"],
  ["port", "List port mappings or a specific mapping for the container"],
  ["stats", "Display a live stream of container(s) resource usage statistics"],
  ["diff", "Inspect changes to files or directories on a container's filesystem"],
  ["export", "Export a container's filesystem as a tar archive"],
  ["cp", "Copy files/folders between a container and the local filesystem"],
  ["commit", "Create a new image from a container's changes"],
  ["build", "Build an image from a Dockerfile"],
  ["create", "Create a new container"],
  ["start", "Start one or more stopped containers"],
  ["stop", "Stop one or more running containers"],
  ["kill", "Kill one or more running containers"],
  ["restart", "Restart one or more containers"],
  ["rm", "Remove one or more containers"],
  ["wait", "Block until one or more containers stop, then print their exit codes"],
  ["ps", "List containers"],
  ["inspect", "Return low-level information on containers, images, volumes or networks"],
  ["logs", "Fetch the logs of a container"],
  ["rename", "Rename a container"],
  ["update", "Update configuration of one or more containers (resource limits, restart policy)"],
  ["pause", "Pause all processes within one or more containers"],
  ["unpause", "Unpause all processes within one or more containers"],
  ["import", "Import the contents from a tarball to create a filesystem image"],
  ["load", "Load an image from a tar archive or STDIN"],
  ["save", "Save one or more images to a tar archive (streamed to STDOUT by default)"],
  ["pull", "Download an image from a registry"],
  ["push", "Upload an image to a registry"],
  ["login", "Log in to a registry"],
  ["logout", "Log out from a registry"],
  ["history", "Show the history of an image"],
  ["images", "List images"],
  ["tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"],
  ["rmi", "Remove one or more images"],
  ["volume", "Manage volumes (create, ls, inspect, rm, prune)"],
  ["network", "Manage networks (create, ls, inspect, rm, prune)"],
  ["container", "Manage containers (ls, rm, inspect, prune, ...)"],
  ["builder", "Manage builds (build, prune)"],
  ["system", "Manage berth (df, info, events, prune)"],
  ["events", "Get real time events from the server"],
  ["version", "Show the berth version information"],
  ["info", "Display system-wide information"],
  ["daemon", "Run the berth daemon"],
];

function mainHelp(): string {
  const width = Math.max(...DESCRIPTIONS.map(([name]) => name.length));
  return [
    "Usage:  berth [OPTIONS] COMMAND",
    "",
    "A container engine: a daemon, this CLI, and one shim per container driving runc or crun.",
    "",
    "Commands:",
    ...DESCRIPTIONS.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`),
    "",
    "Global Options:",
    "  -H, --host string   Daemon socket to connect to (default $BERTH_HOST or " + DEFAULT_HOST +
    ")",
    "  -v, --version       Print version information and quit",
    "",
    "Run 'berth COMMAND --help' for more information on a command.",
  ].join("\n");
}

function envHost(): string | undefined {
  try {
    return Deno.env.get("BERTH_HOST") || undefined;
  } catch {
    return undefined;
  }
}

/** Run the CLI; returns the exit status. */
export async function runCli(args: string[]): Promise<number> {
  let host = envHost() ?? DEFAULT_HOST;
  let index = 0;
  for (; index < args.length; index++) {
    const arg = args[index];
    if (arg === "-H" || arg === "--host") host = args[++index] ?? "";
    else if (arg.startsWith("--host=")) host = arg.slice(7);
    else if (arg.startsWith("-H") && arg.length > 2) host = arg.slice(2).replace(/^=/, "");
    else if (arg === "-v" || arg === "--version") {
      const { BERTH_VERSION } = await import("../protocol/version.ts");
      outLine(`berth version ${BERTH_VERSION}`);
      return 0;
    } else if (arg === "-h" || arg === "--help") {
      outLine(mainHelp());
      return 0;
    } else if (arg === "-D" || arg === "--debug") continue;
    else break;
  }
  let [name, ...rest] = args.slice(index);
  if (!name) {
    outLine(mainHelp());
    return 0;
  }
  const subcommands = MANAGEMENT[name];
  if (subcommands) {
    const [sub, ...subRest] = rest;
    const target = subcommands[sub ?? ""];
    if (!target && sub && COMMANDS[sub]) [name, rest] = [sub, subRest];
    else if (!target) {
      errLine(`berth: '${name} ${sub ?? ""}' is not a berth command.\nSee 'berth --help'`);
      return 1;
    } else {
      [name, rest] = [
        target,
        sub === "inspect" && TYPED_INSPECT.has(name) ? ["--type", name, ...subRest] : subRest,
      ];
    }
  }
  const loader = COMMANDS[name];
  if (!loader) {
    errLine(`berth: '${name}' is not a berth command.\nSee 'berth --help'`);
    return 1;
  }
  const { command } = await loader();
  let socketPath: string;
  try {
    socketPath = parseUnixHost(host);
  } catch (error) {
    errLine(`berth: ${describeError(error)}`);
    return 125;
  }
  let flags: Flags;
  try {
    const specs = [...command.flags, HELP_FLAG];
    flags = new Flags(
      parseFlags(rest, specs, { stopAtPositional: command.stopAtPositional }),
      specs,
    );
    if (flags.bool("help")) {
      outLine(helpText(command.usage, command.description, command.flags));
      return 0;
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    errLine(`${error.message}\nSee 'berth ${name} --help'.`);
    return 125;
  }
  const count = flags.positionals.length;
  if (
    (command.minArgs !== undefined && count < command.minArgs) ||
    (command.maxArgs !== undefined && count > command.maxArgs)
  ) {
    const wanted = command.minArgs === command.maxArgs
      ? `exactly ${command.minArgs} argument${command.minArgs === 1 ? "" : "s"}`
      : count < (command.minArgs ?? 0)
      ? `at least ${command.minArgs} argument${command.minArgs === 1 ? "" : "s"}`
      : `at most ${command.maxArgs} argument${command.maxArgs === 1 ? "" : "s"}`;
    errLine(
      `"berth ${name}" requires ${wanted}.\nSee 'berth ${name} --help'.\n\n` +
        `Usage:  berth ${command.usage}\n\n${command.description}`,
    );
    return 1;
  }
  try {
    return await command.run({ client: new ApiClient(host, socketPath), name }, flags);
  } catch (error) {
    if (error instanceof StdoutClosed) return 0;
    errLine(describeError(error));
    return 1;
  }
}
