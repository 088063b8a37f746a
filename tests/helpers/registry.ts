/**
 * A real registry for tests: Debian's docker-registry on 127.0.0.1 with a
 * temp storage dir; plain http, or TLS from a throwaway CA with basic
 * auth. Its access log tells which blobs were fetched.
 * @module
 */

import { freePort, runCommand, type TestDaemon } from "./harness.ts";

/** A registry process of a test's own. */
export class TestRegistry {
  readonly dir: string;
  readonly host: string;
  /** The CA certificate (PEM) of a TLS registry. */
  readonly caPath?: string;
  #child: Deno.ChildProcess;

  private constructor(dir: string, host: string, child: Deno.ChildProcess, caPath?: string) {
    this.dir = dir;
    this.host = host;
    this.#child = child;
    this.caPath = caPath;
  }

  /** Start one in `dir`; with `auth`, over TLS with htpasswd basic auth. */
  static async start(
    dir: string,
    options: { auth?: { username: string; password: string } } = {},
  ): Promise<TestRegistry> {
    await Deno.mkdir(`${dir}/data`, { recursive: true });
    const port = freePort();
    const host = `127.0.0.1:${port}`;
    const config = [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${dir}/data`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${host}`,
    ];
    let caPath: string | undefined;
    if (options.auth) {
      caPath = await makeCertificates(dir);
      config.push("  tls:", `    certificate: ${dir}/server.crt`, `    key: ${dir}/server.key`);
      const hashed = await runCommand("htpasswd", [
        "-Bbn",
        options.auth.username,
        options.auth.password,
      ]);
      if (hashed.code !== 0) throw new Error(`htpasswd failed: ${hashed.stderr}`);
      await Deno.writeTextFile(`${dir}/htpasswd`, hashed.stdout);
      config.push("auth:", "  htpasswd:", "    realm: test", `    path: ${dir}/htpasswd`);
    }
    await Deno.writeTextFile(`${dir}/config.yml`, config.join("\n") + "\n");
    const child = new Deno.Command("bash", {
      args: ["-c", `exec docker-registry serve '${dir}/config.yml' >> '${dir}/log' 2>&1`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const registry = new TestRegistry(dir, host, child, caPath);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const probe = await runCommand("bash", [
        "-c",
        `exec 3<>/dev/tcp/127.0.0.1/${port}`,
      ]);
      if (probe.code === 0) return registry;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await registry.stop();
    throw new Error(`the registry did not start: ${await Deno.readTextFile(`${dir}/log`)}`);
  }

  /** Requests for blob `digest` in the access log. */
  async blobFetches(digest: string): Promise<number> {
    const log = await Deno.readTextFile(`${this.dir}/log`);
    return log.split("\n").filter((line) =>
      line.includes(`"GET /v2/`) && line.includes(`/blobs/${digest} `)
    ).length;
  }

  /** The layer digests of `repository:tag` as the registry stores them (skopeo may recompress). */
  async layerDigests(repository: string, tag: string): Promise<string[]> {
    const response = await fetch(`http://${this.host}/v2/${repository}/manifests/${tag}`, {
      headers: {
        Accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    });
    const manifest = await response.json();
    return manifest.layers.map((layer: { digest: string }) => layer.digest);
  }

  /** Copy an OCI layout into the registry with skopeo (an independent client). */
  async push(
    layout: string,
    name: string,
    options: { all?: boolean; credentials?: string } = {},
  ): Promise<void> {
    const result = await runCommand("skopeo", [
      "--insecure-policy",
      "copy",
      ...(options.all ? ["--all"] : []),
      ...(this.caPath ? [`--dest-cert-dir=${this.dir}/certs`] : ["--dest-tls-verify=false"]),
      ...(options.credentials ? [`--dest-creds=${options.credentials}`] : []),
      `oci:${layout}`,
      `docker://${this.host}/${name}`,
    ]);
    if (result.code !== 0) throw new Error(`skopeo copy failed: ${result.stderr}`);
  }

  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#child.status;
  }
}

/** A throwaway CA and a server certificate for 127.0.0.1; returns the CA's path. */
async function makeCertificates(dir: string): Promise<string> {
  const openssl = async (args: string[]) => {
    const result = await runCommand("openssl", args);
    if (result.code !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.crt`,
    "-subj",
    "/CN=berth test CA",
  ]);
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${dir}/server.key`,
    "-out",
    `${dir}/server.csr`,
    "-subj",
    "/CN=127.0.0.1",
  ]);
  await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=IP:127.0.0.1\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/server.csr`,
    "-CA",
    `${dir}/ca.crt`,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-out",
    `${dir}/server.crt`,
    "-days",
    "2",
    "-extfile",
    `${dir}/ext.cnf`,
  ]);
  // skopeo's --dest-cert-dir wants the CA as *.crt in a directory.
  await Deno.mkdir(`${dir}/certs`, { recursive: true });
  await Deno.copyFile(`${dir}/ca.crt`, `${dir}/certs/ca.crt`);
  return `${dir}/ca.crt`;
}

/** Run `scenario` with a registry of its own, stopped afterwards. */
export async function withRegistry(
  daemon: TestDaemon,
  scenario: (registry: TestRegistry) => Promise<void>,
  options: { auth?: { username: string; password: string } } = {},
): Promise<void> {
  const registry = await TestRegistry.start(`${daemon.dir}/registry`, options);
  try {
    await scenario(registry);
  } finally {
    await registry.stop();
  }
}

/** Where the daemons of TLS registry tests look for CA certificates (`--certs-dir`). */
export const REGISTRY_CERTS_DIR = `/tmp/berth-test-certs-${Deno.pid}`;
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(REGISTRY_CERTS_DIR, { recursive: true });
  } catch {
    // never made
  }
});

/** Make daemons with `--certs-dir REGISTRY_CERTS_DIR` trust `registry`'s CA; returns the undo. */
export async function trustRegistry(registry: TestRegistry): Promise<() => Promise<void>> {
  const certs = `${REGISTRY_CERTS_DIR}/${registry.host}`;
  await Deno.mkdir(certs, { recursive: true });
  await Deno.copyFile(registry.caPath!, `${certs}/ca.crt`);
  return () => Deno.remove(certs, { recursive: true }).catch(() => {});
}
