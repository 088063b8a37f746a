/**
 * Resolving a container's `User` (`uid`, `name`, `uid:gid`, `name:group`)
 * against the image's /etc/passwd and /etc/group, as docker does.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { secureJoin } from "../system/secure_join.ts";

/** The process identity for the OCI spec. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Parse /etc/passwd text. */
export function parsePasswd(text: string): PasswdEntry[] {
  return text.split("\n").flatMap((line) => {
    const fields = line.split(":");
    if (fields.length < 7 || line.startsWith("#")) return [];
    const uid = Number(fields[2]), gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return [];
    return [{ name: fields[0], uid, gid, home: fields[5] }];
  });
}

/** Parse /etc/group text. */
export function parseGroup(text: string): GroupEntry[] {
  return text.split("\n").flatMap((line) => {
    const fields = line.split(":");
    if (fields.length < 4 || line.startsWith("#")) return [];
    const gid = Number(fields[2]);
    if (!Number.isInteger(gid)) return [];
    return [{ name: fields[0], gid, members: fields[3].split(",").filter(Boolean) }];
  });
}

async function readInRoot(rootfs: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(await secureJoin(rootfs, path));
  } catch {
    return "";
  }
}

const NUMERIC = /^\d+$/;

/** Resolve `user` inside the container's root filesystem. */
export async function resolveUser(rootfs: string, user: string): Promise<ResolvedUser> {
  const [userPart, groupPart] = user.includes(":")
    ? [user.slice(0, user.indexOf(":")), user.slice(user.indexOf(":") + 1)]
    : [user, undefined];
  const passwd = parsePasswd(await readInRoot(rootfs, "/etc/passwd"));
  const groups = parseGroup(await readInRoot(rootfs, "/etc/group"));

  let uid = 0, gid = 0, home = "/", name: string | undefined;
  const wanted = userPart || "0";
  const entry = NUMERIC.test(wanted)
    ? passwd.find((candidate) => candidate.uid === Number(wanted))
    : passwd.find((candidate) => candidate.name === wanted);
  if (entry) {
    ({ uid, gid, home, name } = entry);
  } else if (NUMERIC.test(wanted)) {
    uid = Number(wanted);
    if (uid === 0) home = "/root";
  } else {
    throw new BadRequest(`unable to find user ${wanted}: no matching entries in passwd file`);
  }
  if (uid > 2 ** 31 - 1) throw new BadRequest(`uid ${uid} is out of range`);

  if (groupPart !== undefined && groupPart !== "") gid = groupId(groups, groupPart, "unable");
  const additionalGids = name && groupPart === undefined
    ? groups.filter((group) => group.members.includes(name!) && group.gid !== gid).map((group) =>
      group.gid
    )
    : [];
  return { uid, gid, additionalGids, home };
}

/**
 * A process's user: `user` resolved in the root filesystem with the extra
 * groups (`--group-add`, the CRI's supplemental groups) added; with
 * `strict`, the image's /etc/group memberships are left out (the CRI's
 * SupplementalGroupsPolicy Strict).
 */
export async function processUser(
  rootfs: string,
  user: string,
  extraGroups: string[],
  strict = false,
): Promise<ResolvedUser> {
  const [resolved, extraGids] = await Promise.all([
    resolveUser(rootfs, user),
    resolveGroups(rootfs, extraGroups),
  ]);
  const base = strict ? [] : resolved.additionalGids;
  return { ...resolved, additionalGids: [...new Set([...base, ...extraGids])] };
}

/** Docker's --group-add: group names (from the container's /etc/group) or numbers, as gids. */
export async function resolveGroups(rootfs: string, wanted: string[]): Promise<number[]> {
  if (wanted.length === 0) return [];
  const groups = parseGroup(await readInRoot(rootfs, "/etc/group"));
  return wanted.map((name) => groupId(groups, name, "Unable"));
}

/** A group's gid by name, or a number taken as it is; docker's error otherwise. */
function groupId(groups: GroupEntry[], name: string, unable: "unable" | "Unable"): number {
  if (NUMERIC.test(name)) return Number(name);
  const group = groups.find((candidate) => candidate.name === name);
  if (!group) {
    throw new BadRequest(`${unable} to find group ${name}: no matching entries in group file`);
  }
  return group.gid;
}
