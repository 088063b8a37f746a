import { deepStrictEqual } from "node:assert/strict";
import { readTar } from "../../lib/tar_reader.ts";
import { treeTar } from "../../lib/tree_tar.ts";
import { header } from "../../lib/tar_writer.ts";
import { parseNumber } from "../../lib/tar_reader.ts";
import { runCommand } from "../helpers/harness.ts";

Deno.test("a tree becomes a tar our reader reads back: types, links, long names, whiteouts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tree-tar-test-" });
  try {
    const long = `deep/${"d".repeat(120)}`;
    const made = await runCommand("bash", [
      "-c",
      `cd '${dir}' && mkdir -p srv '${long}' && printf hello > srv/f && ln srv/f srv/hard && ` +
      `ln -s /srv/f srv/link && mkfifo srv/pipe && printf x > '${long}/file' && ` +
      `mknod gone c 0 0 && chown 7:8 srv/f && chmod 640 srv/f`,
    ]);
    deepStrictEqual(made.code, 0, made.stderr);
    const seen: string[] = [];
    const contents: Record<string, string> = {};
    await readTar(
      treeTar(dir, { overlayWhiteouts: true, isOpaque: () => false }),
      async (entry, body) => {
        seen.push(`${entry.type} ${entry.path}${entry.linkPath ? ` -> ${entry.linkPath}` : ""}`);
        if (entry.type === "file") contents[entry.path] = await new Response(body()).text();
        if (entry.path === "srv/f") {
          deepStrictEqual([entry.uid, entry.gid, entry.mode], [7, 8, 0o640]);
        }
      },
    );
    // In name order: "gone", a whiteout, sorts between "deep" and "srv".
    deepStrictEqual(seen, [
      "directory deep",
      `directory ${long}`,
      `file ${long}/file`,
      "file .wh.gone",
      "directory srv",
      "file srv/f",
      "hardlink srv/hard -> srv/f",
      "symlink srv/link -> /srv/f",
      "fifo srv/pipe",
    ]);
    deepStrictEqual(contents["srv/f"], "hello");
    deepStrictEqual(contents[`${long}/file`], "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sizes past 8 GiB are written in base-256 and read back", () => {
  const block = header("big", { type: "0", size: 2 ** 36 + 5, mode: 0o644 });
  deepStrictEqual(parseNumber(block.subarray(124, 136), "size"), 2 ** 36 + 5);
});
