import { deepStrictEqual, throws } from "node:assert/strict";
import { registryHostOf, serverHost } from "../../lib/registry_host.ts";
import { parseChallenge } from "../../runtime/images/registry_client.ts";
import { parsePlatform } from "../../runtime/images/pull.ts";
import { registryAuth } from "../../runtime/api/handlers/images.ts";
import { progressBar, splitPullName } from "../../cli/pull_progress.ts";

Deno.test("WWW-Authenticate challenges: scheme and quoted parameters", () => {
  deepStrictEqual(
    parseChallenge(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
    ),
    {
      scheme: "bearer",
      params: {
        realm: "https://auth.example/token",
        service: "registry.example",
        scope: "repository:a/b:pull",
      },
    },
  );
  deepStrictEqual(parseChallenge('Basic realm="test"'), {
    scheme: "basic",
    params: { realm: "test" },
  });
});

Deno.test("registry hosts: image names and login arguments, Docker Hub by default", () => {
  deepStrictEqual(registryHostOf("busybox"), "docker.io");
  deepStrictEqual(registryHostOf("library/busybox:1"), "docker.io");
  deepStrictEqual(registryHostOf("127.0.0.1:5000/a/b:v1"), "127.0.0.1:5000");
  deepStrictEqual(registryHostOf("localhost/a"), "localhost");
  deepStrictEqual(registryHostOf("ghcr.io/owner/app"), "ghcr.io");
  deepStrictEqual(serverHost(undefined), "docker.io");
  deepStrictEqual(serverHost("https://index.docker.io/v1/"), "docker.io");
  deepStrictEqual(serverHost("https://registry.example:5000/v2/"), "registry.example:5000");
  deepStrictEqual(serverHost("registry.example:5000"), "registry.example:5000");
});

Deno.test("pull names split as docker sends them; a digest goes in tag", () => {
  deepStrictEqual(splitPullName("busybox"), { fromImage: "busybox", tag: "latest" });
  deepStrictEqual(splitPullName("host:5000/a/b"), { fromImage: "host:5000/a/b", tag: "latest" });
  deepStrictEqual(splitPullName("host:5000/a/b:v1"), { fromImage: "host:5000/a/b", tag: "v1" });
  deepStrictEqual(splitPullName(`a@sha256:${"1".repeat(64)}`), {
    fromImage: "a",
    tag: `sha256:${"1".repeat(64)}`,
  });
});

Deno.test("platforms: os/arch[/variant], the host's by default, nonsense refused", () => {
  deepStrictEqual(parsePlatform("linux/arm64/v8"), {
    os: "linux",
    architecture: "arm64",
    variant: "v8",
  });
  deepStrictEqual(parsePlatform(undefined).os, "linux");
  throws(() => parsePlatform("linux"), /invalid platform/);
});

Deno.test("X-Registry-Auth: base64url JSON credentials; anything else means none", () => {
  const header = btoa(JSON.stringify({ username: "me", password: "p?>>", serveraddress: "h" }))
    .replaceAll("+", "-").replaceAll("/", "_");
  deepStrictEqual(registryAuth(header), { username: "me", password: "p?>>" });
  deepStrictEqual(registryAuth(btoa("{}")), undefined);
  deepStrictEqual(registryAuth("not base64!"), undefined);
  deepStrictEqual(registryAuth(undefined), undefined);
});

Deno.test("progress bars fill with the bytes done", () => {
  deepStrictEqual(progressBar(0, 100), `[${" ".repeat(40)}]  0.0MB/0.0MB`);
  deepStrictEqual(
    progressBar(50e6, 100e6),
    `[${"=".repeat(19)}>${" ".repeat(20)}]  50.0MB/100.0MB`,
  );
  deepStrictEqual(progressBar(5e6, 0), "5.0MB");
});
