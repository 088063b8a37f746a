/**
 * `berth build [OPTIONS] PATH | -`: build an image from a Dockerfile. The
 * context directory is sent as a tar (owners 0:0, as the docker CLI sends
 * it) without what its `.dockerignore` leaves out (the Dockerfile and the
 * `.dockerignore` itself always go); `-` sends stdin (a tar, or a bare
 * Dockerfile). Each step, its output and its cache hits are shown as the
 * daemon reports them.
 * @module
 */

import { IgnoreMatcher, parseDockerignore } from "../../lib/dockerignore.ts";
import { treeTar } from "../../lib/tree_tar.ts";
import { parseSize } from "../../lib/units.ts";
import type { Command } from "../command.ts";
import { errLine, out, outLine } from "../output.ts";
import { registryConfigHeader } from "../registry_config.ts";

/** `NAME=VALUE` (or `NAME`, taken from the environment) build args as the API's object. */
function buildArgs(entries: string[]): Record<string, string | null> {
  const args: Record<string, string | null> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals >= 0) args[entry.slice(0, equals)] = entry.slice(equals + 1);
    else args[entry] = Deno.env.get(entry) ?? null;
  }
  return args;
}

function labels(entries: string[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => {
    const equals = entry.indexOf("=");
    return equals < 0 ? [entry, ""] : [entry.slice(0, equals), entry.slice(equals + 1)];
  }));
}

/** The context as a tar, and the Dockerfile's path in it. */
async function contextTar(
  directory: string,
  file: string | undefined,
): Promise<{ body: ReadableStream<Uint8Array>; dockerfile: string } | string> {
  const root = await Deno.realPath(directory).catch(() => undefined);
  if (!root || !(await Deno.stat(root)).isDirectory) {
    return `unable to prepare context: path "${directory}" not found`;
  }
  let dockerfile = "Dockerfile";
  if (file !== undefined) {
    const absolute = file.startsWith("/") ? file : `${Deno.cwd()}/${file}`;
    const real = await Deno.realPath(absolute).catch(() => undefined);
    if (!real) return `unable to prepare context: the Dockerfile (${file}) cannot be found`;
    if (!real.startsWith(`${root}/`)) {
      return `unable to prepare context: the Dockerfile (${file}) must be within the build context (${directory})`;
    }
    dockerfile = real.slice(root.length + 1);
  }
  const ignore = await Deno.readTextFile(`${root}/.dockerignore`).catch(() => "");
  const matcher = new IgnoreMatcher(parseDockerignore(ignore));
  const always = new Set([dockerfile, ".dockerignore"]);
  const body = treeTar(root, {
    ids: () => 0,
    skip: (path) => {
      const relative = path.replace(/^\/+/, "");
      return relative !== "" && !always.has(relative) && matcher.excludes(relative);
    },
  });
  return { body, dockerfile };
}

export const command: Command = {
  usage: "build [OPTIONS] PATH | -",
  description: "Build an image from a Dockerfile",
  flags: [
    {
      name: "tag",
      short: "t",
      type: "list",
      value: "list",
      description: 'Name and optionally a tag in the "name:tag" format',
    },
    {
      name: "file",
      short: "f",
      type: "string",
      value: "string",
      description: 'Name of the Dockerfile (Default is "PATH/Dockerfile")',
    },
    { name: "build-arg", type: "list", value: "list", description: "Set build-time variables" },
    {
      name: "target",
      type: "string",
      value: "string",
      description: "Set the target build stage to build.",
    },
    { name: "no-cache", type: "bool", description: "Do not use cache when building the image" },
    {
      name: "pull",
      type: "bool",
      description: "Always attempt to pull a newer version of the image",
    },
    {
      name: "quiet",
      short: "q",
      type: "bool",
      description: "Suppress the build output and print image ID on success",
    },
    { name: "label", type: "list", value: "list", description: "Set metadata for an image" },
    {
      name: "network",
      type: "string",
      value: "string",
      description: "Set the networking mode for the RUN instructions during build",
    },
    {
      name: "add-host",
      type: "list",
      value: "list",
      description: 'Add a custom host-to-IP mapping ("host:ip")',
    },
    {
      name: "iidfile",
      type: "string",
      value: "string",
      description: "Write the image ID to the file",
    },
    {
      name: "rm",
      type: "bool",
      default: true,
      description: "Remove intermediate containers after a successful build",
    },
    { name: "force-rm", type: "bool", description: "Always remove intermediate containers" },
    {
      name: "cache-from",
      type: "list",
      value: "list",
      description: "Images to consider as cache sources",
    },
    { name: "shm-size", type: "string", value: "bytes", description: 'Size of "/dev/shm"' },
    { name: "memory", short: "m", type: "string", value: "bytes", description: "Memory limit" },
    {
      name: "cpu-shares",
      short: "c",
      type: "string",
      value: "int",
      description: "CPU shares (relative weight)",
    },
    {
      name: "platform",
      type: "string",
      value: "string",
      description: "Set platform if server is multi-platform capable",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const [path] = flags.positionals;
    let body: ReadableStream<Uint8Array>;
    let dockerfile = flags.string("file");
    if (path === "-") {
      body = Deno.stdin.readable;
    } else {
      const prepared = await contextTar(path, dockerfile);
      if (typeof prepared === "string") {
        errLine(prepared);
        return 1;
      }
      ({ body, dockerfile } = prepared);
    }
    const size = (name: string) => {
      const text = flags.string(name);
      return text === undefined ? undefined : String(parseSize(text) ?? text);
    };
    const quiet = flags.bool("quiet");
    const headers: Record<string, string> = { "Content-Type": "application/x-tar" };
    const registries = await registryConfigHeader();
    if (registries) headers["X-Registry-Config"] = registries;
    const response = await client.request("POST", "/build", {
      query: {
        t: flags.list("tag"),
        dockerfile,
        buildargs: JSON.stringify(buildArgs(flags.list("build-arg"))),
        labels: JSON.stringify(labels(flags.list("label"))),
        target: flags.string("target"),
        nocache: flags.bool("no-cache") ? "1" : undefined,
        pull: flags.bool("pull") ? "1" : undefined,
        q: quiet ? "1" : undefined,
        rm: flags.bool("rm") ? "1" : "0",
        forcerm: flags.bool("force-rm") ? "1" : undefined,
        cachefrom: JSON.stringify(flags.list("cache-from")),
        networkmode: flags.string("network"),
        extrahosts: flags.list("add-host"),
        shmsize: size("shm-size"),
        memory: size("memory"),
        cpushares: flags.string("cpu-shares"),
        platform: flags.string("platform"),
      },
      body,
      headers,
    });
    const decoder = new TextDecoder();
    let buffer = "";
    let imageId: string | undefined;
    for await (const chunk of response.chunks()) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split(/\r?\n/);
      buffer = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const message = JSON.parse(line);
        if (message.error) {
          errLine(message.error);
          return message.errorDetail?.code || 1;
        }
        if (message.aux?.ID) imageId = message.aux.ID;
        if (quiet) continue;
        if (typeof message.stream === "string") out(message.stream);
        else if (message.status) {
          outLine(message.id ? `${message.id}: ${message.status}` : message.status);
        }
      }
    }
    if (!imageId) {
      errLine("the daemon ended the build without an image");
      return 1;
    }
    if (quiet) outLine(imageId);
    const iidfile = flags.string("iidfile");
    if (iidfile) await Deno.writeTextFile(iidfile, imageId);
    return 0;
  },
};
