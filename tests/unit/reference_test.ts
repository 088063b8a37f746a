import { deepStrictEqual, throws } from "node:assert/strict";
import {
  familiarize,
  formatFull,
  parseReference,
  withDefaultTag,
} from "../../runtime/images/reference.ts";

Deno.test("references are normalized like docker's", () => {
  const full = (text: string) => formatFull(withDefaultTag(parseReference(text)));
  deepStrictEqual(full("busybox"), "docker.io/library/busybox:latest");
  deepStrictEqual(full("busybox:1.36"), "docker.io/library/busybox:1.36");
  deepStrictEqual(full("user/app"), "docker.io/user/app:latest");
  deepStrictEqual(full("localhost:5000/team/app:v2"), "localhost:5000/team/app:v2");
  deepStrictEqual(full("registry.example.com/app"), "registry.example.com/app:latest");
  deepStrictEqual(full("index.docker.io/library/alpine"), "docker.io/library/alpine:latest");
  deepStrictEqual(
    full(`app@sha256:${"a".repeat(64)}`),
    `docker.io/library/app@sha256:${"a".repeat(64)}`,
  );
  deepStrictEqual(familiarize("docker.io/library/busybox:latest"), "busybox:latest");
  deepStrictEqual(familiarize("docker.io/user/app:1"), "user/app:1");
  deepStrictEqual(familiarize("localhost:5000/app:1"), "localhost:5000/app:1");
});

Deno.test("malformed references are refused", () => {
  for (
    const bad of [
      "",
      "UPPER",
      "a b",
      "app:",
      "app:-tag",
      "app@sha256:short",
      `busybox@sha256:${"g".repeat(64)}`,
      `busybox@sha256:${"A".repeat(64)}`,
      `busybox@md5:${"a".repeat(32)}`,
      `busybox@sha512:${"a".repeat(64)}`,
      "/app",
      "app//x",
      "-app",
    ]
  ) {
    throws(() => parseReference(bad), /invalid reference format/, bad);
  }
});
