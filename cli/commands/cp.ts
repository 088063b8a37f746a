/**
 * `berth cp CONTAINER:SRC DEST | SRC CONTAINER:DEST`: copy files out of or
 * into a container, as docker does: into DEST if it is a directory, else as
 * DEST; `-` for a tar on stdin or stdout.
 * @module
 */

import { treeTar } from "../../lib/tree_tar.ts";
import { DaemonError } from "../api_client.ts";
import type { ApiClient } from "../api_client.ts";
import type { Command } from "../command.ts";
import { extractLocal } from "../local_extract.ts";
import { errLine, out } from "../output.ts";

interface PathStat {
  name: string;
  mode: number;
}

const DIRECTORY = 2 ** 31;
const SYMLINK = 2 ** 27;

/** "container:/path" → [container, path]; undefined for a local path. */
function containerPath(argument: string): [string, string] | undefined {
  if (argument.startsWith("/") || argument.startsWith(".")) return undefined;
  const colon = argument.indexOf(":");
  return colon > 0 ? [argument.slice(0, colon), argument.slice(colon + 1)] : undefined;
}

function baseName(path: string): string {
  return path.replace(/\/+$/, "").split("/").at(-1) || "/";
}

function dirName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  return slash <= 0 ? (trimmed.startsWith("/") ? "/" : ".") : trimmed.slice(0, slash);
}

async function statInContainer(
  client: ApiClient,
  container: string,
  path: string,
): Promise<PathStat | undefined> {
  try {
    const response = await client.request(
      "HEAD",
      `/containers/${encodeURIComponent(container)}/archive`,
      { query: { path } },
    );
    await response.text().catch(() => "");
    const header = response.headers.get("x-docker-container-path-stat");
    return header
      ? JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0))))
      : undefined;
  } catch (error) {
    if (error instanceof DaemonError && error.status === 404) return undefined;
    throw error;
  }
}

async function copyOut(client: ApiClient, container: string, path: string, destination: string) {
  const response = await client.request(
    "GET",
    `/containers/${encodeURIComponent(container)}/archive`,
    { query: { path } },
  );
  if (destination === "-") {
    for await (const chunk of response.chunks()) out(chunk);
    return 0;
  }
  const existing = await Deno.stat(destination).catch(() => undefined);
  if (existing?.isDirectory) {
    await extractLocal(response.body, destination);
  } else {
    const parent = dirName(destination);
    if (!(await Deno.stat(parent).catch(() => undefined))?.isDirectory) {
      await response.body.cancel();
      errLine(`no such directory: ${parent}`);
      return 1;
    }
    await extractLocal(response.body, parent, baseName(destination));
  }
  return 0;
}

async function copyIn(client: ApiClient, source: string, container: string, path: string) {
  const put = (directory: string, body: ReadableStream<Uint8Array>) =>
    client.request("PUT", `/containers/${encodeURIComponent(container)}/archive`, {
      query: { path: directory, noOverwriteDirNonDir: true },
      body,
      headers: { "Content-Type": "application/x-tar" },
    });
  if (source === "-") {
    await (await put(path, Deno.stdin.readable)).text();
    return 0;
  }
  const local = await Deno.lstat(source).catch(() => undefined);
  if (!local) {
    errLine(`lstat ${source}: no such file or directory`);
    return 1;
  }
  let target = await statInContainer(client, container, path);
  // A symlink: what it points at decides (a trailing slash makes the daemon follow it).
  if (target && target.mode & SYMLINK) {
    target = await statInContainer(client, container, `${path}/`);
  }
  if (target && target.mode & DIRECTORY) {
    await (await put(path, treeTar(source, { name: baseName(source) }))).text();
    return 0;
  }
  if (target && local.isDirectory) {
    errLine(`cannot copy directory ${source} to the file ${path}`);
    return 1;
  }
  const parent = dirName(path);
  if (!(await statInContainer(client, container, parent))) {
    errLine(`Could not find the file ${parent} in container ${container}`);
    return 1;
  }
  await (await put(parent, treeTar(source, { name: baseName(path) }))).text();
  return 0;
}

export const command: Command = {
  usage: "cp CONTAINER:SRC_PATH DEST_PATH|-\n       berth cp SRC_PATH|- CONTAINER:DEST_PATH",
  description: "Copy files/folders between a container and the local filesystem",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  run({ client }, flags) {
    const [source, destination] = flags.positionals;
    const from = containerPath(source);
    const to = containerPath(destination);
    if (from && to) {
      errLine("copying between containers is not supported");
      return Promise.resolve(1);
    }
    if (!from && !to) {
      errLine("must specify at least one container source");
      return Promise.resolve(1);
    }
    return from
      ? copyOut(client, from[0], from[1], destination)
      : copyIn(client, source, to![0], to![1]);
  },
};
