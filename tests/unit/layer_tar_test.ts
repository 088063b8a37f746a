import { deepStrictEqual, rejects } from "node:assert/strict";
import { createHash } from "node:crypto";
import { extractLayer } from "../../runtime/images/layer_extract.ts";
import { layerTar, SkeletonRecorder } from "../../runtime/images/layer_tar.ts";
import { runCommand } from "../helpers/harness.ts";
import { buildTar, streamOf } from "../helpers/tar_writer.ts";

/** Extract `tar` with a skeleton, rebuild it, return the rebuilt bytes and the diff ID. */
async function roundTrip(tar: Uint8Array, change?: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "layer-tar-test-" });
  try {
    const skeleton = new SkeletonRecorder();
    const { diffId } = await extractLayer(streamOf(tar, 1000), dir, skeleton);
    await Deno.writeFile(`${dir}.skeleton`, await skeleton.compressed());
    await change?.(dir);
    const rebuilt = await layerTar(dir, `${dir}.skeleton`, diffId);
    const bytes = new Uint8Array(await new Response(rebuilt.stream).arrayBuffer());
    return { bytes, size: rebuilt.size, diffId };
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${dir}.skeleton`).catch(() => {});
  }
}

Deno.test("a layer's tar is rebuilt byte for byte: PAX, long names, links, whiteouts", async () => {
  const tar = buildTar([
    { path: "etc/", type: "directory" },
    { path: "etc/motd", content: "hello\n".repeat(300) },
    { path: "etc/motd.link", type: "hardlink", linkPath: "etc/motd" },
    { path: "bin/sh", type: "symlink", linkPath: "/bin/busybox" },
    { path: `deep/${"d".repeat(150)}/file`, content: "long path" },
    { path: "x/tagged", content: "", xattrs: { "user.color": "blue" } },
    { path: "etc/.wh.passwd" },
    { path: "dev/null", type: "chardev", devMajor: 1, devMinor: 3 },
  ]);
  const { bytes, size, diffId } = await roundTrip(tar);
  deepStrictEqual(size, tar.length);
  deepStrictEqual(bytes, tar);
  deepStrictEqual(diffId, `sha256:${createHash("sha256").update(tar).digest("hex")}`);
});

Deno.test("GNU tar's own output (with its record padding) comes back identical", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir}/src/sub/a`, "a".repeat(70_000));
  await Deno.writeTextFile(`${dir}/src/b`, "b");
  await runCommand("ln", ["-s", "sub/a", `${dir}/src/link`]);
  const made = await runCommand("tar", ["-C", `${dir}/src`, "-cf", `${dir}/out.tar`, "."]);
  deepStrictEqual(made.code, 0, made.stderr);
  const tar = await Deno.readFile(`${dir}/out.tar`);
  await Deno.remove(dir, { recursive: true });
  deepStrictEqual((await roundTrip(tar)).bytes, tar);
});

Deno.test("a file changed after extraction makes the rebuilt tar fail, not lie", async () => {
  const tar = buildTar([{ path: "f", content: "original" }]);
  await rejects(
    roundTrip(tar, (dir) => Deno.writeTextFile(`${dir}/f`, "tampered")),
    /no longer matches its diff ID/,
  );
  await rejects(
    roundTrip(tar, (dir) => Deno.writeTextFile(`${dir}/f`, "longer than before")),
    /changed since the layer was extracted/,
  );
});
