import { deepStrictEqual, ok, rejects } from "node:assert/strict";
import { createHash } from "node:crypto";
import { extractLayer, LayerError } from "../../runtime/images/layer_extract.ts";
import { NotATar, TarError } from "../../lib/tar_reader.ts";
import { buildTar, streamOf, type TestTarEntry } from "../helpers/tar_writer.ts";
import { runCommand } from "../helpers/harness.ts";

/** Extract `entries` into a fresh directory; returns it and the result. */
async function extract(entries: TestTarEntry[] | Uint8Array) {
  const dir = await Deno.makeTempDir({ prefix: "layer-test-" });
  const tar = entries instanceof Uint8Array ? entries : buildTar(entries);
  try {
    const result = await extractLayer(streamOf(tar, 700), dir);
    return { dir, result, tar };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

async function xattr(path: string, name: string): Promise<string> {
  const result = await runCommand("python3", [
    "-c",
    "import os, sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())",
    path,
    name,
  ]);
  return result.stdout;
}

Deno.test("a layer keeps types, owners, modes, times, links and xattrs; the diff ID is the tar's sha256", async () => {
  const { dir, result, tar } = await extract([
    { path: "etc/", type: "directory", mode: 0o755 },
    {
      path: "etc/motd",
      content: "hello\n",
      mode: 0o640,
      uid: 1000,
      gid: 1001,
      mtime: 1_600_000_000,
    },
    { path: "etc/motd.link", type: "hardlink", linkPath: "etc/motd" },
    { path: "bin/sh", type: "symlink", linkPath: "/bin/busybox", uid: 7, gid: 8 },
    { path: "bin/suid", content: "x", mode: 0o4755 },
    { path: "dev/null", type: "chardev", devMajor: 1, devMinor: 3, mode: 0o666 },
    { path: "run/pipe", type: "fifo", mode: 0o600 },
    { path: "opt/ro/", type: "directory", mode: 0o555, mtime: 1_500_000_000 },
    { path: "opt/ro/inner", content: "made before the directory became read-only" },
    { path: "x/tagged", content: "t", xattrs: { "user.color": "blue" } },
    { path: `deep/${"d".repeat(120)}/file`, content: "long path" },
  ]);
  try {
    deepStrictEqual(result, {
      diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}`,
      size: tar.length,
    });
    const motd = await Deno.lstat(`${dir}/etc/motd`);
    deepStrictEqual([motd.mode! & 0o7777, motd.uid, motd.gid], [0o640, 1000, 1001]);
    deepStrictEqual(motd.mtime?.getTime(), 1_600_000_000_000);
    deepStrictEqual(motd.nlink, 2);
    deepStrictEqual((await Deno.lstat(`${dir}/etc/motd.link`)).ino, motd.ino);
    deepStrictEqual(await Deno.readLink(`${dir}/bin/sh`), "/bin/busybox");
    const link = await Deno.lstat(`${dir}/bin/sh`);
    deepStrictEqual([link.isSymlink, link.uid, link.gid], [true, 7, 8]);
    deepStrictEqual((await Deno.lstat(`${dir}/bin/suid`)).mode! & 0o7777, 0o4755);
    const device = await Deno.lstat(`${dir}/dev/null`);
    deepStrictEqual([device.isCharDevice, device.rdev], [true, 259]);
    deepStrictEqual((await Deno.lstat(`${dir}/run/pipe`)).isFifo, true);
    const readOnly = await Deno.lstat(`${dir}/opt/ro`);
    deepStrictEqual([readOnly.mode! & 0o7777, readOnly.mtime?.getTime()], [
      0o555,
      1_500_000_000_000,
    ]);
    deepStrictEqual(
      await Deno.readTextFile(`${dir}/opt/ro/inner`),
      "made before the directory became read-only",
    );
    deepStrictEqual(await xattr(`${dir}/x/tagged`, "user.color"), "blue");
    deepStrictEqual(await Deno.readTextFile(`${dir}/deep/${"d".repeat(120)}/file`), "long path");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("whiteouts become overlay whiteouts and opaque directories", async () => {
  const { dir } = await extract([
    { path: "etc/.wh.passwd" },
    { path: "var/cache/.wh..wh..opq" },
    { path: "var/cache/kept", content: "new" },
  ]);
  try {
    const whiteout = await Deno.lstat(`${dir}/etc/passwd`);
    deepStrictEqual([whiteout.isCharDevice, whiteout.rdev], [true, 0]);
    deepStrictEqual(await xattr(`${dir}/var/cache`, "trusted.overlay.opaque"), "y");
    deepStrictEqual([...Deno.readDirSync(`${dir}/var/cache`)].map((entry) => entry.name), ["kept"]);
    deepStrictEqual([...Deno.readDirSync(`${dir}/etc`)].map((entry) => entry.name), ["passwd"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a later entry replaces an earlier one", async () => {
  const { dir } = await extract([
    { path: "a", content: "first" },
    { path: "a", content: "second" },
    { path: "b/", type: "directory" },
    { path: "b/old", content: "x" },
    { path: "b", content: "now a file" },
  ]);
  try {
    deepStrictEqual(await Deno.readTextFile(`${dir}/a`), "second");
    deepStrictEqual(await Deno.readTextFile(`${dir}/b`), "now a file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A directory outside every layer that hostile entries aim at. */
async function withVictim(test: (victim: string) => Promise<void>): Promise<void> {
  const victim = await Deno.makeTempDir({ prefix: "layer-victim-" });
  try {
    await test(victim);
    deepStrictEqual([...Deno.readDirSync(victim)], [], "something was written outside the layer");
  } finally {
    await Deno.remove(victim, { recursive: true });
  }
}

Deno.test("escapes are refused: .., absolute paths, writes through symlinks, links out", async () => {
  await withVictim(async (victim) => {
    const cases: [string, TestTarEntry[], RegExp][] = [
      ["dot-dot", [{ path: `../../../../..${victim}/x`, content: "x" }], /leaves the layer/],
      ["absolute", [{ path: `${victim}/x`, content: "x" }], /absolute path/],
      [
        "through a symlink",
        [{ path: "s", type: "symlink", linkPath: victim }, { path: "s/x", content: "x" }],
        /through the symlink "s"/,
      ],
      [
        "a symlink replacing a directory",
        [
          { path: "d/", type: "directory" },
          { path: "d", type: "symlink", linkPath: victim },
          { path: "d/x", content: "x" },
        ],
        /through the symlink "d"/,
      ],
      [
        "a hardlink out",
        [{ path: "h", type: "hardlink", linkPath: `../../../..${victim}/x` }],
        /leaves the layer/,
      ],
      [
        "a hardlink to a host path",
        [{ path: "h", type: "hardlink", linkPath: "/etc/passwd" }],
        /absolute path/,
      ],
      [
        "a hardlink to nothing",
        [{ path: "h", type: "hardlink", linkPath: "etc/shadow" }],
        /does not hold/,
      ],
      [
        "a hardlink through a symlink",
        [
          { path: "s", type: "symlink", linkPath: "/etc" },
          { path: "h", type: "hardlink", linkPath: "s/passwd" },
        ],
        /does not hold/,
      ],
    ];
    for (const [name, entries, message] of cases) {
      await rejects(extract(entries), (error: Error) => {
        ok(error instanceof LayerError, `${name}: ${error}`);
        ok(message.test(error.message), `${name}: ${error.message}`);
        return true;
      });
    }
  });
});

Deno.test("malformed archives are refused: checksums, truncation, oversized headers", async () => {
  await rejects(extract([{ path: "a", content: "x", corruptChecksum: true }]), NotATar);
  await rejects(
    extract([{ path: "a", content: "x" }, { path: "b", content: "y", corruptChecksum: true }]),
    /checksum mismatch/,
  );
  const whole = buildTar([{ path: "big", content: new Uint8Array(5000) }]);
  await rejects(extract(whole.subarray(0, 2048)), (error: Error) => {
    ok(error instanceof TarError && /truncated inside big/.test(error.message), String(error));
    return true;
  });
  await rejects(extract(new Uint8Array(0)), NotATar);
  const pax = buildTar([{
    path: "p",
    content: "x",
    xattrs: { "user.big": "v".repeat(2_000_000) },
  }]);
  await rejects(extract(pax), /extension header of \d+ bytes is too large/);
  const lying = buildTar([{ path: "l", content: "short", claimedSize: 1 << 20 }]);
  await rejects(extract(lying), /truncated/);
});

Deno.test("an empty layer (only the end marker) is valid", async () => {
  const { dir, result } = await extract(new Uint8Array(1024));
  deepStrictEqual(result.size, 1024);
  deepStrictEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});
