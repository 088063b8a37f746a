/**
 * `--userns-remap`: uid and gid 0 of every container become an unprivileged
 * range of the host's, from /etc/subuid and /etc/subgid (docker's meaning:
 * `default` is a user of berth's own, `berthremap`, made with its ranges
 * when missing). The layers stay as they are on disk: a remapped container
 * sees them through idmapped mounts made with a user namespace of the
 * mapping (rootfs.ts); only what it writes is owned by the range.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { hostFileInfo, hostReadLink, openReadOnly, writeProcFile } from "./libc.ts";

/** One contiguous range: container id 0 is host id `hostId`, for `size` ids. */
export interface IdRange {
  hostId: number;
  size: number;
}

/** A remapping: the user and group it came from, and their first ranges. */
export interface IdMapping {
  user: string;
  group: string;
  uid: IdRange;
  gid: IdRange;
}

/** The user `--userns-remap default` means. */
export const DEFAULT_REMAP_USER = "berthremap";
/** The size of the ranges berth gives its default user (docker's). */
const RANGE_SIZE = 65536;
/** Where berth looks for a free range for its default user. */
const FIRST_RANGE = 100000;

/** `name:start:count` lines of a subordinate-id file, by name. */
export function parseSubordinateIds(text: string): Map<string, IdRange[]> {
  const ranges = new Map<string, IdRange[]>();
  for (const line of text.split("\n")) {
    const [name, start, count] = line.trim().split(":");
    if (!name || !/^\d+$/.test(start ?? "") || !/^\d+$/.test(count ?? "")) continue;
    const list = ranges.get(name) ?? [];
    list.push({ hostId: Number(start), size: Number(count) });
    ranges.set(name, list);
  }
  return ranges;
}

/** The first range of RANGE_SIZE ids at or past FIRST_RANGE that no line of `taken` overlaps. */
export function freeRange(taken: IdRange[]): number {
  let start = FIRST_RANGE;
  for (const range of [...taken].sort((a, b) => a.hostId - b.hostId)) {
    if (range.hostId + range.size <= start) continue;
    if (range.hostId >= start + RANGE_SIZE) break;
    start = range.hostId + range.size;
  }
  return start;
}

async function readOr(path: string): Promise<string> {
  return await Deno.readTextFile(path).catch(() => "");
}

/** The entry of `name` (or numeric id) in /etc/passwd or /etc/group. */
function lookup(text: string, name: string): string[] | undefined {
  return text.split("\n").map((line) => line.split(":")).find((fields) =>
    fields[0] === name || (/^\d+$/.test(name) && fields[2] === name)
  );
}

/** Make berth's default user, with ranges of its own in /etc/subuid and /etc/subgid. */
async function ensureDefaultUser(): Promise<void> {
  if (!lookup(await readOr("/etc/passwd"), DEFAULT_REMAP_USER)) {
    const made = await new Deno.Command("useradd", {
      args: ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", DEFAULT_REMAP_USER],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!made.success) {
      throw new Error(
        `making the user ${DEFAULT_REMAP_USER} failed: ${new TextDecoder().decode(made.stderr)}`,
      );
    }
  }
  for (const file of ["/etc/subuid", "/etc/subgid"]) {
    const text = await readOr(file);
    const ranges = parseSubordinateIds(text);
    if (ranges.has(DEFAULT_REMAP_USER)) continue;
    const start = freeRange([...ranges.values()].flat());
    const line = `${DEFAULT_REMAP_USER}:${start}:${RANGE_SIZE}\n`;
    await Deno.writeTextFile(file, (text && !text.endsWith("\n") ? "\n" : "") + line, {
      append: true,
    });
  }
}

/**
 * The mapping of `--userns-remap VALUE` (`default`, `USER` or
 * `USER:GROUP`); an error that says what is missing otherwise.
 */
export async function resolveRemap(value: string): Promise<IdMapping> {
  if (value === "default") await ensureDefaultUser();
  const [userPart, groupPart] = value === "default"
    ? [DEFAULT_REMAP_USER, DEFAULT_REMAP_USER]
    : value.split(":");
  const passwd = lookup(await readOr("/etc/passwd"), userPart);
  if (!passwd) throw new Error(`--userns-remap: no user ${userPart} in /etc/passwd`);
  const user = passwd[0];
  const groupName = groupPart ?? user;
  const groupEntry = lookup(await readOr("/etc/group"), groupName);
  const group = groupEntry?.[0] ?? groupName;
  const uids = parseSubordinateIds(await readOr("/etc/subuid")).get(user);
  const gids = parseSubordinateIds(await readOr("/etc/subgid")).get(group);
  if (!uids?.length) {
    throw new Error(`--userns-remap: ${user} has no subordinate uid range in /etc/subuid`);
  }
  if (!gids?.length) {
    throw new Error(`--userns-remap: ${group} has no subordinate gid range in /etc/subgid`);
  }
  return { user, group, uid: uids[0], gid: gids[0] };
}

/** The `uid_map`/`gid_map` line of a range (and the OCI mapping). */
function mapLine(range: IdRange): string {
  return `0 ${range.hostId} ${range.size}\n`;
}

/** The OCI spec's mappings of a remapped container. */
export function ociMappings(mapping: Pick<IdMapping, "uid" | "gid">) {
  const oci = (range: IdRange) => [{ containerID: 0, hostID: range.hostId, size: range.size }];
  return { uidMappings: oci(mapping.uid), gidMappings: oci(mapping.gid) };
}

/**
 * A user namespace of `mapping`, held open as a descriptor (for idmapped
 * mounts): made by an `unshare -U` child whose maps berth writes, then
 * let go of.
 */
export async function openUserNamespace(mapping: Pick<IdMapping, "uid" | "gid">): Promise<number> {
  const child = new Deno.Command("unshare", {
    args: ["--user", "sleep", "60"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const own = hostReadLink("/proc/self/ns/user");
    const namespace = `/proc/${child.pid}/ns/user`;
    // The child has unshared once its namespace is not ours.
    const deadline = Date.now() + 5000;
    while (hostReadLink(namespace) === own) {
      if (Date.now() > deadline) throw new Error("unshare made no user namespace");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    writeProcFile(`/proc/${child.pid}/uid_map`, mapLine(mapping.uid));
    writeProcFile(`/proc/${child.pid}/gid_map`, mapLine(mapping.gid));
    return openReadOnly(namespace);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }
}

/** Refuse what a container cannot have under a remapping (as docker refuses it). */
export function checkRemappedOptions(hostConfig: {
  Privileged?: boolean;
  UsernsMode?: string;
  NetworkMode?: string;
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
}): void {
  if (hostConfig.UsernsMode === "host") return;
  if (hostConfig.Privileged) {
    throw new BadRequest(
      "privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode",
    );
  }
  for (
    const [field, flag] of [
      ["NetworkMode", "--network"],
      ["PidMode", "--pid"],
      ["IpcMode", "--ipc"],
      ["UTSMode", "--uts"],
    ] as const
  ) {
    if (hostConfig[field] === "host") {
      throw new BadRequest(
        `cannot share the host's ${
          flag.slice(2)
        } namespace when user namespaces are enabled (add --userns=host)`,
      );
    }
  }
}

/** User namespaces held open, by mapping: one per mapping for the daemon's life. */
const namespaces = new Map<string, Promise<number>>();

/** A user namespace descriptor of `mapping` (made once). */
export function userNamespaceFor(mapping: Pick<IdMapping, "uid" | "gid">): Promise<number> {
  const key = `${mapping.uid.hostId}:${mapping.uid.size}:${mapping.gid.hostId}:${mapping.gid.size}`;
  let namespace = namespaces.get(key);
  if (!namespace) {
    namespace = openUserNamespace(mapping);
    namespaces.set(key, namespace);
    namespace.catch(() => namespaces.delete(key));
  }
  return namespace;
}

/** The id the kernel shows for an id outside a mapping (the overflow id, "nobody"). */
const OVERFLOW_ID = 65534;

/** Host ids and container ids of a remapped container, both ways ({@link IdMapping}'s ranges). */
export interface IdTranslation {
  /** A host uid or gid as the container sees it (what an archive of it says). */
  toContainer(id: number, kind: "uid" | "gid"): number;
  /** A container uid or gid as the host stores it (what a file copied in gets). */
  toHost(id: number, kind: "uid" | "gid"): number;
}

/** The translation of a container's mapping; none (identity) without one. */
export function idTranslation(mapping: Pick<IdMapping, "uid" | "gid"> | undefined): IdTranslation {
  if (!mapping) return { toContainer: (id) => id, toHost: (id) => id };
  return {
    toContainer(id, kind) {
      const range = mapping[kind];
      return id >= range.hostId && id < range.hostId + range.size ? id - range.hostId : OVERFLOW_ID;
    },
    toHost(id, kind) {
      const range = mapping[kind];
      return range.hostId + (id < range.size ? id : OVERFLOW_ID);
    },
  };
}

/**
 * Refuse a root that a remapped container's root could not reach: every
 * directory above `root` must let others through (o+x), as the runtime,
 * in the container's user namespace, walks down to the rootfs.
 */
export function checkReachable(root: string, mapping: IdMapping): void {
  const parts = root.split("/").filter(Boolean);
  for (let depth = 1; depth <= parts.length; depth++) {
    const dir = "/" + parts.slice(0, depth).join("/");
    // Through libc: the daemon may read its root, not what lies above it.
    const mode = hostFileInfo(dir)?.mode ?? 0;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `--userns-remap: container root (host uid ${mapping.uid.hostId}) cannot reach ${root}: ` +
          `${dir} is mode ${
            (mode & 0o777).toString(8)
          }, and it needs others' search (x) permission`,
      );
    }
  }
}
