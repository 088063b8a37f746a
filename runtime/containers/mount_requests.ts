/**
 * What a create request asks to mount, read the way docker reads it:
 * `HostConfig.Binds` (`-v [SRC:]DST[:OPTS]`), `HostConfig.Mounts`
 * (`--mount`), `HostConfig.Tmpfs` (`--tmpfs`), and the image's and the
 * request's `Volumes`, which become anonymous volumes where nothing else
 * is mounted. Pure: no volume is made and no path is touched here.
 * @module
 */

import { posix } from "node:path";
import { BadRequest } from "../errors.ts";

/** A host path bind-mounted into the container. */
export interface BindRequest {
  type: "bind";
  source: string;
  destination: string;
  readOnly: boolean;
  propagation: string;
  /** `-v` makes a missing host directory; `--mount` refuses it. */
  createSource: boolean;
  /** Read-only all the way down, submounts too (`rro`; API 1.44's ReadOnlyForceRecursive). */
  recursiveReadOnly?: boolean;
}

/** A volume mounted into the container; no name means a new anonymous one. */
export interface VolumeMountRequest {
  type: "volume";
  name?: string;
  destination: string;
  readOnly: boolean;
  /** Leave the image's files at the destination out of a new volume. */
  noCopy: boolean;
  labels?: Record<string, string>;
}

/** A tmpfs at the destination, with its mount options. */
export interface TmpfsRequest {
  type: "tmpfs";
  destination: string;
  options: string[];
}

/** One mount a container asks for. */
export type MountRequest = BindRequest | VolumeMountRequest | TmpfsRequest;

const PROPAGATIONS = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);
const BIND_MODES = new Set(["ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated"]);

function invalid(spec: string, why: string): never {
  throw new BadRequest(`invalid volume specification: '${spec}': ${why}`);
}

/** An absolute, clean container path; "/" is refused as docker does. */
function destinationOf(raw: string, spec: string): string {
  if (!raw.startsWith("/")) {
    invalid(spec, `invalid mount config: invalid mount path: '${raw}' mount path must be absolute`);
  }
  const clean = posix.normalize(raw).replace(/(.)\/$/, "$1");
  if (clean === "/") invalid(spec, "invalid mount config: destination can't be '/'");
  return clean;
}

/** One `-v` entry: `DST`, `SRC:DST` or `SRC:DST:OPTS`. */
export function parseBind(spec: string): BindRequest | VolumeMountRequest {
  if (typeof spec !== "string" || spec === "") {
    throw new BadRequest("invalid volume specification: ''");
  }
  const parts = spec.split(":");
  if (parts.length > 3) invalid(spec, "too many colons");
  const [first, second, third] = parts;
  if (parts.length === 1) {
    return {
      type: "volume",
      destination: destinationOf(first, spec),
      readOnly: false,
      noCopy: false,
    };
  }
  // `/dst:ro` is a destination with options, not a source and destination.
  const hasSource = parts.length === 3 || second.startsWith("/");
  const source = hasSource ? first : undefined;
  const destination = destinationOf(hasSource ? second : first, spec);
  const modes = (hasSource ? third : second)?.split(",").filter(Boolean) ?? [];
  for (const mode of modes) {
    if (!BIND_MODES.has(mode) && !PROPAGATIONS.has(mode)) invalid(spec, `invalid mode: ${mode}`);
  }
  if (modes.includes("ro") && modes.includes("rw")) invalid(spec, "invalid mode: ro,rw");
  const readOnly = modes.includes("ro");
  const propagation = modes.find((mode) => PROPAGATIONS.has(mode));
  if (source === undefined) {
    return { type: "volume", destination, readOnly, noCopy: modes.includes("nocopy") };
  }
  if (source.startsWith("/")) {
    if (modes.includes("nocopy")) invalid(spec, "invalid mode: nocopy (only for volumes)");
    return {
      type: "bind",
      source: posix.normalize(source),
      destination,
      readOnly,
      propagation: propagation ?? "rprivate",
      createSource: true,
    };
  }
  if (source === "") invalid(spec, "empty section between colons");
  if (propagation) invalid(spec, `invalid mode: ${propagation} (only for bind mounts)`);
  return { type: "volume", name: source, destination, readOnly, noCopy: modes.includes("nocopy") };
}

/** docker's mount.Mount object, as `--mount` sends it. */
interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: {
    Propagation?: string;
    CreateMountpoint?: boolean;
    ReadOnlyForceRecursive?: boolean;
  } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

/** One `HostConfig.Mounts` entry. */
export function parseApiMount(mount: ApiMount): MountRequest {
  if (typeof mount !== "object" || mount === null) {
    throw new BadRequest("a mount must be an object");
  }
  const what = `invalid mount config for type "${mount.Type}"`;
  if (!mount.Target) throw new BadRequest(`${what}: field Target must not be empty`);
  const destination = destinationOf(mount.Target, mount.Target);
  switch (mount.Type) {
    case "bind": {
      if (!mount.Source) throw new BadRequest(`${what}: field Source must not be empty`);
      if (!mount.Source.startsWith("/")) {
        throw new BadRequest(
          `${what}: invalid mount path: '${mount.Source}' mount path must be absolute`,
        );
      }
      const propagation = mount.BindOptions?.Propagation || "rprivate";
      if (!PROPAGATIONS.has(propagation)) {
        throw new BadRequest(`${what}: invalid propagation mode: ${propagation}`);
      }
      const recursiveReadOnly = Boolean(mount.BindOptions?.ReadOnlyForceRecursive);
      if (recursiveReadOnly && !mount.ReadOnly) {
        throw new BadRequest(`${what}: option ReadOnlyForceRecursive requires ReadOnly`);
      }
      if (recursiveReadOnly && propagation !== "rprivate") {
        throw new BadRequest(
          `${what}: option ReadOnlyForceRecursive requires Propagation to be rprivate`,
        );
      }
      return {
        type: "bind",
        source: posix.normalize(mount.Source),
        destination,
        readOnly: Boolean(mount.ReadOnly),
        propagation,
        createSource: Boolean(mount.BindOptions?.CreateMountpoint),
        ...(recursiveReadOnly ? { recursiveReadOnly } : {}),
      };
    }
    case "volume":
      return {
        type: "volume",
        name: mount.Source || undefined,
        destination,
        readOnly: Boolean(mount.ReadOnly),
        noCopy: Boolean(mount.VolumeOptions?.NoCopy),
        labels: mount.VolumeOptions?.Labels ?? undefined,
      };
    case "tmpfs": {
      if (mount.Source) throw new BadRequest(`${what}: field Source must be empty`);
      const options = mount.ReadOnly ? ["ro"] : [];
      const size = mount.TmpfsOptions?.SizeBytes;
      if (size) options.push(`size=${size}`);
      const mode = mount.TmpfsOptions?.Mode;
      if (mode) options.push(`mode=${mode.toString(8)}`);
      return { type: "tmpfs", destination, options: ["nosuid", "nodev", "noexec", ...options] };
    }
    default:
      throw new BadRequest(
        `mount type "${mount.Type ?? ""}" is not supported: use bind, volume or tmpfs`,
      );
  }
}

/** One `HostConfig.Tmpfs` entry (`--tmpfs /run:size=64m`). */
export function parseTmpfs(destination: string, options: string): TmpfsRequest {
  return {
    type: "tmpfs",
    destination: destinationOf(destination, destination),
    options: ["nosuid", "nodev", "noexec", ...options.split(",").filter(Boolean)],
  };
}

/** The mount parts of a create request's HostConfig. */
export interface MountFields {
  Binds?: unknown;
  Mounts?: unknown;
  Tmpfs?: unknown;
}

/**
 * Every mount of a new container: the explicit ones (one per destination,
 * a second is refused), then an anonymous volume for each `Volumes` path
 * nothing else covers (`covered`: paths mounts from other containers take).
 */
export function mountRequests(
  hostConfig: MountFields,
  volumes: string[],
  covered: Set<string> = new Set(),
): MountRequest[] {
  const { Binds: binds, Mounts: mounts, Tmpfs: tmpfs } = hostConfig;
  if (binds !== undefined && binds !== null && !Array.isArray(binds)) {
    throw new BadRequest("HostConfig.Binds must be a list of strings");
  }
  if (mounts !== undefined && mounts !== null && !Array.isArray(mounts)) {
    throw new BadRequest("HostConfig.Mounts must be a list");
  }
  if (
    tmpfs !== undefined && tmpfs !== null && (typeof tmpfs !== "object" || Array.isArray(tmpfs))
  ) {
    throw new BadRequest("HostConfig.Tmpfs must be an object");
  }
  const explicit: MountRequest[] = [
    ...(binds ?? []).map(parseBind),
    ...(mounts ?? []).map(parseApiMount),
    ...Object.entries((tmpfs ?? {}) as Record<string, string>).map(([path, options]) =>
      parseTmpfs(path, String(options ?? ""))
    ),
  ];
  const taken = new Set<string>();
  for (const request of explicit) {
    if (taken.has(request.destination)) {
      throw new BadRequest(`Duplicate mount point: ${request.destination}`);
    }
    taken.add(request.destination);
  }
  const anonymous: MountRequest[] = [];
  for (const path of volumes) {
    const destination = destinationOf(path, path);
    if (taken.has(destination) || covered.has(destination)) continue;
    taken.add(destination);
    anonymous.push({ type: "volume", destination, readOnly: false, noCopy: false });
  }
  return [...explicit, ...anonymous];
}
