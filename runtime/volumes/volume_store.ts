/**
 * Volumes of the `local` driver: a directory per volume under
 * `<root>/volumes/<name>` (see {@link volumeDirName}), its data in `_data` (what containers mount),
 * its description in `volume.json` (written atomically, loaded at start).
 * Anonymous volumes carry docker's `com.docker.volume.anonymous` label,
 * which is what `rm -v`, `--rm` and `volume prune` go by.
 * @module
 */

import { createHash } from "node:crypto";
import { writeJsonAtomic } from "../../protocol/atomic_write.ts";
import { formatRfc3339Nano } from "../../protocol/timestamp.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { log } from "../logger.ts";

/** The label docker puts on anonymous volumes. */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A volume as the API shows it (docker's Volume object). */
export interface Volume {
  Name: string;
  Driver: "local";
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string> | null;
  Scope: "local";
}

/** What POST /volumes/create asks for. */
export interface VolumeRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** True for a volume made for one container (`-v /path`, an image's VOLUME). */
export function isAnonymous(volume: Volume): boolean {
  return ANONYMOUS_LABEL in volume.Labels;
}

/** Check a volume name the way docker's local driver does. */
export function checkVolumeName(name: string): void {
  if (!VALID_NAME.test(name)) {
    throw new BadRequest(
      `create ${name}: "${name}" includes invalid characters for a local volume name, ` +
        `only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. ` +
        "If you intended to pass a host directory, use absolute path",
    );
  }
}

/** The longest file name the file systems under the root take (NAME_MAX). */
const NAME_MAX = 255;

/**
 * The directory name of volume `name`: the name itself (docker's layout,
 * which tools look at), or, for a name longer than a file name may be, a
 * digest of it (`_` cannot start a volume name, so no name looks like one).
 */
export function volumeDirName(name: string): string {
  return name.length <= NAME_MAX ? name : `_${createHash("sha256").update(name).digest("hex")}`;
}

/** The daemon's volumes. */
export class VolumeStore {
  readonly dir: string;
  #volumes = new Map<string, Volume>();
  /** Creations in progress, so two creates of one name make one volume. */
  #creating = new Map<string, Promise<Volume>>();

  constructor(root: string) {
    this.dir = `${root}/volumes`;
  }

  /** Load every volume's description; a directory without one is a cut-short create. */
  async init(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o701 });
    for await (const entry of Deno.readDir(this.dir)) {
      if (!entry.isDirectory) continue;
      try {
        const volume: Volume = JSON.parse(
          await Deno.readTextFile(`${this.dir}/${entry.name}/volume.json`),
        );
        this.#volumes.set(volume.Name, volume);
      } catch (error) {
        log.warn("removing a volume directory without a description", {
          dir: entry.name,
          error: String(error),
        });
        await Deno.remove(`${this.dir}/${entry.name}`, { recursive: true }).catch(() => {});
      }
    }
  }

  /** Every volume, by name. */
  list(): Volume[] {
    return [...this.#volumes.values()].sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** The volume called `name`, if there is one. */
  find(name: string): Volume | undefined {
    return this.#volumes.get(name);
  }

  /** {@link find}, or NotFound with docker's message. */
  get(name: string): Volume {
    const volume = this.find(name);
    if (!volume) throw new NotFound(`get ${name}: no such volume`);
    return volume;
  }

  /**
   * The volume `Name` (made when missing; an existing one is returned as it
   * is, as docker does); without a name, a new anonymous volume. `created`
   * says whether this call made it.
   */
  async create(request: VolumeRequest): Promise<{ volume: Volume; created: boolean }> {
    const driver = request.Driver || "local";
    if (driver !== "local") {
      throw new NotFound(
        `create ${request.Name ?? ""}: error looking up volume plugin ${driver}: ` +
          `plugin "${driver}" not found`,
      );
    }
    const options = request.DriverOpts ?? {};
    if (Object.keys(options).length > 0) {
      throw new BadRequest(
        `create ${request.Name ?? ""}: the local driver's options (${
          Object.keys(options).join(", ")
        }) are not supported by berth yet`,
      );
    }
    const labels = request.Labels ?? {};
    if (typeof labels !== "object" || Array.isArray(labels)) {
      throw new BadRequest("Labels must be an object");
    }
    const name = request.Name || newId();
    checkVolumeName(name);
    const existing = this.#volumes.get(name);
    if (existing) return { volume: existing, created: false };
    const pending = this.#creating.get(name);
    if (pending) return { volume: await pending, created: false };
    const labelled = request.Name ? labels : { ...labels, [ANONYMOUS_LABEL]: "" };
    const creation = this.#make(name, labelled);
    this.#creating.set(name, creation);
    try {
      return { volume: await creation, created: true };
    } finally {
      this.#creating.delete(name);
    }
  }

  async #make(name: string, labels: Record<string, string>): Promise<Volume> {
    const dir = `${this.dir}/${volumeDirName(name)}`;
    const volume: Volume = {
      Name: name,
      Driver: "local",
      Mountpoint: `${dir}/_data`,
      CreatedAt: formatRfc3339Nano(Date.now()).replace(/\.\d+Z$/, "Z"),
      Labels: labels,
      Options: null,
      Scope: "local",
    };
    try {
      await Deno.mkdir(dir, { mode: 0o701 });
      await Deno.mkdir(volume.Mountpoint, { mode: 0o755 });
      await Deno.chmod(volume.Mountpoint, 0o755); // whatever the umask says
      await writeJsonAtomic(`${dir}/volume.json`, volume);
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
    this.#volumes.set(name, volume);
    return volume;
  }

  /** Forget a volume and delete its data (the caller checked nobody uses it). */
  async delete(name: string): Promise<void> {
    const volume = this.find(name);
    if (!volume) return;
    const dir = volume.Mountpoint.slice(0, volume.Mountpoint.lastIndexOf("/"));
    // The description goes first: a crash halfway leaves a directory the
    // next daemon removes, never a volume that lost half its files.
    await Deno.remove(`${dir}/volume.json`).catch(() => {});
    this.#volumes.delete(name);
    await Deno.remove(dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
