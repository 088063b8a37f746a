/**
 * The OCI runtimes a daemon can use: runc and crun found on PATH register
 * themselves, `--runtime NAME=PATH` adds or overrides.
 * @module
 */

import type { DaemonFlags } from "./daemon_flags.ts";
import { RuntimeDriver, type RuntimeInfo } from "./runtime_driver.ts";

/** Runtimes that register themselves when found on PATH. */
export const KNOWN_RUNTIMES = ["runc", "crun"];

/** Directories searched when PATH is not set. */
export const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Find an executable on PATH. */
export async function findOnPath(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(":").filter((entry) => entry.startsWith("/"))) {
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The registered runtimes of one daemon. */
export class RuntimeRegistry {
  #runtimes = new Map<string, RuntimeInfo>();
  readonly defaultName: string;

  private constructor(defaultName: string) {
    this.defaultName = defaultName;
  }

  /** Register runc/crun from PATH and the runtimes named by flags. */
  static async discover(flags: DaemonFlags, searchPath: string): Promise<RuntimeRegistry> {
    const registry = new RuntimeRegistry(flags.defaultRuntime);
    const root = (name: string) => `${flags.runRoot}/runtime-${name}`;
    for (const name of KNOWN_RUNTIMES) {
      const path = await findOnPath(name, searchPath);
      if (path) registry.#runtimes.set(name, { name, path, root: root(name) });
    }
    for (const [name, path] of Object.entries(flags.runtimes)) {
      registry.#runtimes.set(name, { name, path, root: root(name) });
    }
    if (!registry.#runtimes.has(flags.defaultRuntime)) {
      throw new Error(
        `default runtime "${flags.defaultRuntime}" is not available ` +
          `(found: ${[...registry.#runtimes.keys()].join(", ") || "none"})`,
      );
    }
    return registry;
  }

  /** A runtime by name. */
  get(name: string): RuntimeInfo | undefined {
    return this.#runtimes.get(name);
  }

  /** The driver for a runtime; throws when it is not registered. */
  driver(name: string): RuntimeDriver {
    const runtime = this.#runtimes.get(name);
    if (!runtime) throw new Error(`runtime "${name}" is not registered with this daemon`);
    return new RuntimeDriver(runtime);
  }

  /** Every runtime. */
  list(): RuntimeInfo[] {
    return [...this.#runtimes.values()];
  }

  #versions = new Map<string, Promise<string>>();

  /** The runtime's version (`runc version 1.1.5` → "1.1.5"), asked once. */
  version(name: string): Promise<string> {
    const runtime = this.#runtimes.get(name);
    if (!runtime) return Promise.resolve("");
    let version = this.#versions.get(name);
    if (!version) {
      version = new Deno.Command(runtime.path, {
        args: ["--version"],
        stdout: "piped",
        stderr: "null",
      })
        .output()
        .then((output) => /version (\S+)/.exec(new TextDecoder().decode(output.stdout))?.[1] ?? "")
        .catch(() => "");
      this.#versions.set(name, version);
    }
    return version;
  }
}
