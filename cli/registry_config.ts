/**
 * Registry credentials the CLI keeps, in docker's config.json format
 * (`{"auths": {"HOST": {"auth": base64("user:password")}}}`) at
 * `$BERTH_CONFIG/config.json`, else `~/.berth/config.json` (mode 0600);
 * sent to the daemon as X-Registry-Auth when a pull needs them.
 * @module
 */

import { registryHostOf } from "../lib/registry_host.ts";

interface ConfigFile {
  auths?: Record<string, { auth?: string }>;
  [key: string]: unknown;
}

/** The config file's path. */
export function configPath(): string {
  const dir = Deno.env.get("BERTH_CONFIG") ?? `${Deno.env.get("HOME") ?? "/root"}/.berth`;
  return `${dir}/config.json`;
}

async function readConfig(): Promise<ConfigFile> {
  try {
    return JSON.parse(await Deno.readTextFile(configPath()));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw new Error(`reading ${configPath()}: ${error instanceof Error ? error.message : error}`);
  }
}

async function writeConfig(config: ConfigFile): Promise<void> {
  const path = configPath();
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(temp, JSON.stringify(config, null, "\t") + "\n", { mode: 0o600 });
  await Deno.rename(temp, path);
}

/** Remember credentials for `host`. */
export async function saveCredentials(
  host: string,
  username: string,
  password: string,
): Promise<void> {
  const config = await readConfig();
  config.auths = { ...config.auths, [host]: { auth: btoa(`${username}:${password}`) } };
  await writeConfig(config);
}

/** Forget the credentials for `host`; false when there were none. */
export async function forgetCredentials(host: string): Promise<boolean> {
  const config = await readConfig();
  if (!config.auths?.[host]) return false;
  delete config.auths[host];
  await writeConfig(config);
  return true;
}

/** The X-Registry-Auth header value for pulling `image`, if credentials are kept for its host. */
export async function registryAuthHeader(image: string): Promise<string | undefined> {
  const host = registryHostOf(image);
  const auth = (await readConfig()).auths?.[host]?.auth;
  if (!auth) return undefined;
  const decoded = atob(auth);
  const colon = decoded.indexOf(":");
  const json = JSON.stringify({
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    serveraddress: host,
  });
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_");
}

/** The X-Registry-Config header value for a build's pulls: every kept credential, by host. */
export async function registryConfigHeader(): Promise<string | undefined> {
  const auths = (await readConfig()).auths ?? {};
  const configs: Record<string, { username: string; password: string; serveraddress: string }> = {};
  for (const [host, entry] of Object.entries(auths)) {
    if (!entry.auth) continue;
    const decoded = atob(entry.auth);
    const colon = decoded.indexOf(":");
    configs[host] = {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      serveraddress: host,
    };
  }
  if (Object.keys(configs).length === 0) return undefined;
  return btoa(JSON.stringify(configs)).replaceAll("+", "-").replaceAll("/", "_");
}
