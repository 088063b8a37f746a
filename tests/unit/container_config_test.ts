import { deepStrictEqual, throws } from "node:assert/strict";
import { mergeConfig } from "../../runtime/containers/create.ts";
import type { Image } from "../../runtime/images/image_store.ts";
import { containerRlimits, RLIM_INFINITY } from "../../runtime/oci/rlimits.ts";

const image: Image = {
  id: "sha256:" + "0".repeat(64),
  size: 0,
  stored: "",
  tags: [],
  repoDigests: [],
  config: {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
    config: {
      Env: ["PATH=/image/bin", "KEEP=1"],
      Cmd: ["sh"],
      Entrypoint: ["/entry"],
      WorkingDir: "/srv",
      User: "app",
      Labels: { from: "image", both: "image" },
      StopSignal: "SIGQUIT",
    },
  },
};

Deno.test("a create request is merged with the image's defaults as docker merges it", () => {
  const merged = mergeConfig(
    { Image: "img", Env: ["PATH=/mine", "NEW=2"], Labels: { both: "container" } },
    image,
    "a".repeat(64),
  );
  deepStrictEqual(merged.Env, ["KEEP=1", "PATH=/mine", "NEW=2"]);
  deepStrictEqual([merged.Entrypoint, merged.Cmd], [["/entry"], ["sh"]]);
  deepStrictEqual([merged.WorkingDir, merged.User, merged.StopSignal], ["/srv", "app", "SIGQUIT"]);
  deepStrictEqual(merged.Labels, { from: "image", both: "container" });
  deepStrictEqual(merged.Hostname, "a".repeat(12));

  // A new Cmd keeps the image's entrypoint; a new entrypoint drops the image's Cmd.
  deepStrictEqual(mergeConfig({ Image: "img", Cmd: ["x"] }, image, "b").Entrypoint, ["/entry"]);
  const entry = mergeConfig({ Image: "img", Entrypoint: ["/other"] }, image, "b");
  deepStrictEqual([entry.Entrypoint, entry.Cmd], [["/other"], null]);
  // --entrypoint "" resets it.
  const reset = mergeConfig({ Image: "img", Entrypoint: [""] }, image, "b");
  deepStrictEqual([reset.Entrypoint, reset.Cmd], [[], ["sh"]]);
});

Deno.test("invalid create requests are refused", () => {
  throws(
    () => mergeConfig({ Image: "i", WorkingDir: "relative" }, image, "c"),
    /needs to be an absolute path/,
  );
  throws(() => mergeConfig({ Image: "i", StopSignal: "SIGNOPE" }, image, "c"), /Invalid signal/);
  throws(
    () => mergeConfig({ Image: "i", Env: ["=x"] }, image, "c"),
    /invalid environment variable/,
  );
  throws(
    () => mergeConfig({ Image: "i", Cmd: [1] as unknown as string[] }, image, "c"),
    /Cmd must be a list of strings/,
  );
});

Deno.test("rlimits stay under the caller's hard limits", () => {
  deepStrictEqual(containerRlimits([], { nofile: 20000 }), [{
    type: "RLIMIT_NOFILE",
    soft: 20000,
    hard: 20000,
  }]);
  deepStrictEqual(containerRlimits([], { nofile: Infinity }), [{
    type: "RLIMIT_NOFILE",
    soft: 1048576,
    hard: 1048576,
  }]);
  deepStrictEqual(
    containerRlimits([{ Name: "nproc", Soft: -1, Hard: -1 }], { nofile: 10, nproc: Infinity })[1],
    {
      type: "RLIMIT_NPROC",
      soft: RLIM_INFINITY,
      hard: RLIM_INFINITY,
    },
  );
  throws(
    () => containerRlimits([{ Name: "nofile", Soft: 1, Hard: 30000 }], { nofile: 20000 }),
    /exceeds the daemon's own hard limit 20000/,
  );
  throws(
    () => containerRlimits([{ Name: "nofile", Soft: 5, Hard: 4 }], { nofile: 20000 }),
    /soft limit must be less/,
  );
  throws(() => containerRlimits([{ Name: "bogus", Soft: 1, Hard: 1 }], {}), /invalid ulimit type/);
});
