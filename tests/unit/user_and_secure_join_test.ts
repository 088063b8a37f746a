import { deepStrictEqual, rejects } from "node:assert/strict";
import { resolveUser } from "../../runtime/oci/user.ts";
import { secureJoin } from "../../runtime/system/secure_join.ts";

/** `ln -s`: Deno.symlink needs unscoped read and write permissions. */
async function symlink(target: string, path: string): Promise<void> {
  const result = await new Deno.Command("ln", { args: ["-s", target, path] }).output();
  if (!result.success) throw new Error(`ln -s ${target} ${path} failed`);
}

async function rootfs(): Promise<string> {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/etc`);
  await Deno.writeTextFile(
    `${root}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
  );
  await Deno.writeTextFile(
    `${root}/etc/group`,
    "root:x:0:\napp:x:1000:\nextra:x:2000:app\nother:x:3000:root\n",
  );
  return root;
}

Deno.test("users resolve by name or id, with groups from /etc/group", async () => {
  const root = await rootfs();
  deepStrictEqual(await resolveUser(root, ""), {
    uid: 0,
    gid: 0,
    additionalGids: [3000],
    home: "/root",
  });
  deepStrictEqual(await resolveUser(root, "app"), {
    uid: 1000,
    gid: 1000,
    additionalGids: [2000],
    home: "/home/app",
  });
  deepStrictEqual(await resolveUser(root, "1000"), {
    uid: 1000,
    gid: 1000,
    additionalGids: [2000],
    home: "/home/app",
  });
  deepStrictEqual(await resolveUser(root, "app:extra"), {
    uid: 1000,
    gid: 2000,
    additionalGids: [],
    home: "/home/app",
  });
  deepStrictEqual(await resolveUser(root, "4242:4343"), {
    uid: 4242,
    gid: 4343,
    additionalGids: [],
    home: "/",
  });
  await rejects(resolveUser(root, "ghost"), /unable to find user ghost/);
  await rejects(resolveUser(root, "app:ghosts"), /unable to find group ghosts/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("/etc/passwd as a symlink out of the rootfs is read inside it", async () => {
  const root = await rootfs();
  const outside = await Deno.makeTempDir();
  await Deno.writeTextFile(`${outside}/passwd`, "evil:x:0:0::/:/bin/sh\n");
  await Deno.remove(`${root}/etc/passwd`);
  await symlink(`${outside}/passwd`, `${root}/etc/passwd`);
  // The absolute target is taken inside the rootfs, where it does not exist.
  await rejects(resolveUser(root, "evil"), /unable to find user evil/);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("secureJoin keeps every symlink and .. inside the root", async () => {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/a/b`, { recursive: true });
  await symlink("/a", `${root}/abs`);
  await symlink("../../../../..", `${root}/a/b/up`);
  await symlink("b", `${root}/a/rel`);
  deepStrictEqual(await secureJoin(root, "/abs/b"), `${root}/a/b`);
  deepStrictEqual(await secureJoin(root, "/a/b/up/etc"), `${root}/etc`);
  deepStrictEqual(await secureJoin(root, "/a/rel/../../.."), root);
  deepStrictEqual(await secureJoin(root, "/missing/../a"), `${root}/a`);
  await Deno.remove(root, { recursive: true });
});
