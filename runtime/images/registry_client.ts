/**
 * A client of the OCI distribution API for one repository: manifests and
 * blobs, with token (Bearer) and basic auth answered the way registries ask
 * for it in WWW-Authenticate. https always; plain http only for registries
 * on localhost or named insecure, and only after https failed.
 * @module
 */

import { ApiError, NotFound } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { connectionFailure } from "./connection_failure.ts";

/** Username and password for a registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** What the client may do. */
export interface RegistryOptions {
  /** Hosts (host[:port]) that may be reached over plain http. */
  insecure: string[];
  credentials?: RegistryCredentials;
  /** Extra CA certificates (PEM) to trust for this registry. */
  caCerts?: string[];
  /** A mirror's URL (`http://127.0.0.1:5000`): requests go there instead of the domain. */
  endpoint?: string;
}

/** The CA certificates in `<certsDir>/<host>/*.crt`, if any (docker's certs.d layout). */
async function registryCaCerts(certsDir: string, host: string): Promise<string[]> {
  const dir = `${certsDir}/${host}`;
  const certs: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.endsWith(".crt")) certs.push(await Deno.readTextFile(`${dir}/${entry.name}`));
    }
  } catch {
    // no directory for this registry: the system's roots only
  }
  return certs;
}

/** A manifest or index as the registry sent it. */
export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  /** `sha256:<hex>` of the bytes. */
  digest: string;
}

/** Every manifest type berth can use, most specific first. */
export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/** One request to a registry. */
export interface RegistryRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
}

/** docker.io's registry host. */
const DOCKER_HUB = "registry-1.docker.io";

function isLocal(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** `key="value"` pairs of a WWW-Authenticate challenge. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    params[match[1].toLowerCase()] = match[2];
  }
  return { scheme, params };
}

/**
 * A client for `repository` on `domain` with the daemon's registry
 * settings: its insecure registries, and the CA certificates its certs dir
 * holds for that host.
 */
export async function registryFor(
  context: { flags: { insecureRegistries: string[]; certsDir: string } },
  domain: string,
  repository: string,
  credentials?: RegistryCredentials,
  endpoint?: string,
): Promise<RegistryClient> {
  const host = endpoint ? new URL(endpoint).host : domain === "docker.io" ? DOCKER_HUB : domain;
  return new RegistryClient(domain, repository, {
    insecure: context.flags.insecureRegistries,
    credentials,
    caCerts: await registryCaCerts(context.flags.certsDir, host),
    endpoint,
  });
}

/** fetch, failing with a 500 that says in docker's words why the registry was not reached. */
async function fetchOrSay(url: string, init: RequestInit & { client?: Deno.HttpClient }) {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new ApiError(500, await connectionFailure(init.method ?? "GET", new URL(url), error));
  }
}

/** The registry side of one repository. */
export class RegistryClient {
  readonly host: string;
  readonly repository: string;
  #options: RegistryOptions;
  #scheme: "https" | "http" = "https";
  #authorization: string | undefined;
  #httpClient: Deno.HttpClient | undefined;

  constructor(domain: string, repository: string, options: RegistryOptions) {
    this.host = domain === "docker.io" ? DOCKER_HUB : domain;
    if (options.endpoint) {
      const url = new URL(options.endpoint);
      this.host = url.host;
      this.#scheme = url.protocol === "http:" ? "http" : "https";
    }
    this.repository = repository;
    this.#options = options;
    if (options.caCerts?.length) {
      this.#httpClient = Deno.createHttpClient({ caCerts: options.caCerts });
    }
  }

  /** Release the TLS client, if one was made. */
  close(): void {
    this.#httpClient?.close();
  }

  get #httpAllowed(): boolean {
    return isLocal(this.host) || this.#options.insecure.includes(this.host);
  }

  /** An absolute URL for `path` under /v2/, or `path` itself when it is absolute already. */
  #url(path: string): string {
    if (/^https?:\/\//.test(path)) return path;
    return `${this.#scheme}://${this.host}${path.startsWith("/") ? path : `/v2/${path}`}`;
  }

  async #send(path: string, request: RegistryRequest): Promise<Response> {
    const init = () => ({
      method: request.method ?? "GET",
      headers: this.#authorization
        ? { ...request.headers, Authorization: this.#authorization }
        : request.headers,
      body: request.body,
      client: this.#httpClient,
    });
    try {
      return await fetchOrSay(this.#url(path), init());
    } catch (error) {
      if (this.#scheme === "http" || !this.#httpAllowed || request.body) throw error;
      this.#scheme = "http";
      return await fetchOrSay(this.#url(path), init());
    }
  }

  /**
   * A request to `/v2/<path>` (or an absolute upload URL), authenticating
   * once when the registry asks. A request with a body is not sent twice:
   * the caller authenticates first with one that has none.
   */
  async request(path: string, request: RegistryRequest = {}): Promise<Response> {
    const response = await this.#send(path, request);
    if (response.status !== 401 || request.body) return response;
    const challenge = response.headers.get("www-authenticate") ?? "";
    await response.body?.cancel();
    await this.#authenticate(challenge);
    return await this.#send(path, request);
  }

  /** GET `/v2/<path>`. */
  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  /** Answer a challenge; false when there is nothing to answer it with. */
  async #authenticate(header: string): Promise<boolean> {
    const { scheme, params } = parseChallenge(header);
    const credentials = this.#options.credentials;
    const basic = credentials
      ? `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`
      : undefined;
    if (scheme === "basic") {
      if (!basic) return false;
      this.#authorization = basic;
      return true;
    }
    if (scheme !== "bearer" || !params.realm) return false;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    const scope = params.scope ?? (this.repository ? `repository:${this.repository}:pull` : "");
    if (scope) url.searchParams.set("scope", scope);
    const response = await fetchOrSay(url.href, {
      headers: basic ? { Authorization: basic } : {},
      client: this.#httpClient,
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new ApiError(
        response.status === 401 ? 401 : 500,
        `the registry ${this.host} refused the credentials (token server answered ${response.status})`,
      );
    }
    const body = await response.json();
    const token = body.token ?? body.access_token;
    if (typeof token !== "string") throw new ApiError(500, "the token server sent no token");
    this.#authorization = `Bearer ${token}`;
    return true;
  }

  /** Whether the credentials are accepted: GET /v2/, answering the challenge. */
  async checkLogin(): Promise<void> {
    const response = await this.get("");
    await response.body?.cancel();
    if (response.status === 401) {
      throw new ApiError(
        401,
        `login attempt to ${this.#scheme}://${this.host}/v2/ failed with status: 401 Unauthorized`,
      );
    }
    if (!response.ok) {
      throw new ApiError(500, `the registry ${this.host} answered ${response.status}`);
    }
  }

  /** The manifest or index `reference` (a tag or a digest) names; checked against a digest. */
  async manifest(reference: string): Promise<FetchedManifest> {
    const response = await this.get(`${this.repository}/manifests/${reference}`, {
      Accept: MANIFEST_TYPES.join(", "),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      throw new NotFound(`manifest for ${this.host}/${this.repository}:${reference} not found`);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new ApiError(
        response.status === 401 ? 401 : 403,
        `pull access denied for ${this.repository}, repository does not exist or may require ` +
          "'docker login'",
      );
    }
    if (!response.ok) {
      const text = await response.text();
      throw new ApiError(500, `the registry answered ${response.status}: ${text.slice(0, 200)}`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = sha256Digest(bytes);
    if (reference.startsWith("sha256:") && reference !== digest) {
      throw new ApiError(500, `manifest ${reference} does not match its digest (it is ${digest})`);
    }
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim() ||
      JSON.parse(new TextDecoder().decode(bytes)).mediaType;
    return { bytes, mediaType, digest };
  }

  /** A blob's content stream and size. */
  async blob(digest: string): Promise<{ body: ReadableStream<Uint8Array>; size: number }> {
    const response = await this.get(`${this.repository}/blobs/${digest}`);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new ApiError(
        500,
        `fetching blob ${digest} failed: the registry answered ${response.status}`,
      );
    }
    return { body: response.body, size: Number(response.headers.get("content-length") ?? 0) };
  }
}
