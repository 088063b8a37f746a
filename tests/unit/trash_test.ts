import { deepStrictEqual } from "node:assert/strict";
import { Trash } from "../../runtime/system/trash.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names;
}

Deno.test("a discarded tree is gone at once and deleted from the trash after", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-trash-" });
  try {
    const trash = new Trash(root);
    await trash.init();
    await Deno.mkdir(`${root}/containers/abc/fs/upper`, { recursive: true });
    await Deno.writeFile(`${root}/containers/abc/abc-json.log`, new Uint8Array(1 << 20));
    await trash.discard(`${root}/containers/abc`);
    deepStrictEqual(await exists(`${root}/containers/abc`), false);
    await trash.emptied();
    deepStrictEqual(await entries(trash.dir), []);
    // Discarding what is not there is no error.
    await trash.discard(`${root}/containers/abc`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("what an earlier daemon left in the trash is deleted at init", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-trash-" });
  try {
    await Deno.mkdir(`${root}/trash/abc-1-1/fs/work`, { recursive: true });
    await Deno.writeTextFile(`${root}/trash/abc-1-1/container.json`, "{}");
    const trash = new Trash(root);
    await trash.init();
    await trash.emptied();
    deepStrictEqual(await entries(trash.dir), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
