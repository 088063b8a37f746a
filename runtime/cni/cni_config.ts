/**
 * The pods' network configuration, as every CNI runtime finds it: the
 * first file (by name) ending in `.conflist`, `.conf` or `.json` in the
 * config directory; a single-plugin `.conf` is read as a list of one.
 * @module
 */

/** A network configuration list (CNI spec: `name`, `cniVersion`, `plugins`). */
export interface CniNetworkList {
  name: string;
  cniVersion: string;
  plugins: CniPluginConfig[];
  /** The file it came from. */
  file: string;
}

/** One plugin's configuration object. */
export interface CniPluginConfig {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** Why there is no usable network configuration. */
export class CniConfigMissing extends Error {}

const CONFIG_EXTENSIONS = [".conflist", ".conf", ".json"];

/** Read the first network configuration in `dir`; throws CniConfigMissing when there is none. */
export async function loadNetworkList(dir: string): Promise<CniNetworkList> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isDirectory && CONFIG_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
        names.push(entry.name);
      }
    }
  } catch {
    throw new CniConfigMissing(`cni config directory ${dir} cannot be read`);
  }
  names.sort();
  if (names.length === 0) throw new CniConfigMissing(`no network config found in ${dir}`);
  const errors: string[] = [];
  for (const name of names) {
    const file = `${dir}/${name}`;
    try {
      return parseNetworkList(await Deno.readTextFile(file), file);
    } catch (error) {
      errors.push(`${file}: ${error instanceof Error ? error.message : error}`);
    }
  }
  throw new CniConfigMissing(`no valid network config in ${dir}: ${errors.join("; ")}`);
}

/** Parse a `.conflist` (or a single plugin's `.conf`) text. */
export function parseNetworkList(text: string, file: string): CniNetworkList {
  const parsed = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null) throw new Error("not a JSON object");
  const plugins = Array.isArray(parsed.plugins)
    ? parsed.plugins
    : typeof parsed.type === "string"
    ? [parsed]
    : undefined;
  if (!plugins || plugins.length === 0) throw new Error("no plugins");
  for (const plugin of plugins) {
    if (typeof plugin?.type !== "string" || !/^[A-Za-z0-9._-]+$/.test(plugin.type)) {
      throw new Error("a plugin without a valid type");
    }
  }
  if (typeof parsed.name !== "string" || !parsed.name) throw new Error("no network name");
  return {
    name: parsed.name,
    cniVersion: typeof parsed.cniVersion === "string" ? parsed.cniVersion : "0.4.0",
    plugins,
    file,
  };
}
