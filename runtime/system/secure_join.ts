/**
 * Resolve a path inside a root directory the way the container would see
 * it: symlinks are followed relative to the root and `..` never climbs above
 * it, so the result always lies inside the root.
 * @module
 */

const MAX_SYMLINKS = 255;

/** `root` + `path`, with every symlink resolved inside `root`. */
export async function secureJoin(root: string, path: string): Promise<string> {
  const pending = path.split("/").filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const candidate = `${root}/${[...resolved, part].join("/")}`;
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(candidate);
    } catch {
      resolved.push(part); // missing: taken literally
      continue;
    }
    if (!info.isSymlink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new Error(`too many symlinks resolving ${path}`);
    const target = await Deno.readLink(candidate);
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return resolved.length ? `${root}/${resolved.join("/")}` : root;
}
