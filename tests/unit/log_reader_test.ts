import { deepStrictEqual } from "node:assert/strict";
import type { LogFormat } from "../../protocol/container_log.ts";
import { readLog } from "../../runtime/logs/log_reader.ts";

function line(text: string, second: number, stream = "stdout"): string {
  const time = `2026-01-01T00:00:${String(second).padStart(2, "0")}.000000000Z`;
  return JSON.stringify({ log: text, stream, time }) + "\n";
}

async function collect(
  path: string,
  maxFiles: number,
  options: Record<string, unknown> = {},
  format: LogFormat = "json-file",
) {
  const texts: string[] = [];
  for await (
    const record of readLog({ path, maxFiles, format }, {
      follow: false,
      stopped: Promise.resolve(),
      signal: new AbortController().signal,
      ...options,
    })
  ) texts.push(record.text);
  return texts.join("");
}

Deno.test("reads rotated files oldest first; tail spans files; since and until filter", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/x-json.log`;
  await Deno.writeTextFile(`${path}.2`, line("a\n", 1) + line("b\n", 2));
  await Deno.writeTextFile(`${path}.1`, line("c\n", 3));
  await Deno.writeTextFile(path, line("d\n", 4) + line("e", 5, "stderr"));
  deepStrictEqual(await collect(path, 3), "a\nb\nc\nd\ne");
  deepStrictEqual(await collect(path, 2), "c\nd\ne");
  deepStrictEqual(await collect(path, 3, { tail: 3 }), "c\nd\ne");
  deepStrictEqual(await collect(path, 3, { tail: 0 }), "");
  const second = (n: number) => Date.parse(`2026-01-01T00:00:0${n}Z`);
  deepStrictEqual(await collect(path, 3, { since: second(3) }), "c\nd\ne");
  deepStrictEqual(await collect(path, 3, { until: second(2) }), "a\nb\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reads a log far longer than one read batch to its end", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/x-json.log`;
  const count = 20_000;
  await Deno.writeTextFile(
    path,
    Array.from({ length: count }, (_, i) => line(`${i}\n`, 1)).join(""),
  );
  const text = await collect(path, 1);
  deepStrictEqual(text.split("\n").length - 1, count);
  deepStrictEqual(text.endsWith(`${count - 1}\n`), true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("follow reads new lines across a rotation and stops when told", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/x-json.log`;
  await Deno.writeTextFile(path, line("first\n", 1));
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => stop = resolve);
  const seen: string[] = [];
  const reading = (async () => {
    for await (
      const record of readLog({ path, maxFiles: 2, format: "json-file" }, {
        follow: true,
        stopped,
        signal: new AbortController().signal,
      })
    ) seen.push(record.text);
  })();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await Deno.writeTextFile(path, line("second\n", 2), { append: true });
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Rotate: the current file becomes .1, then a new one starts.
  await Deno.writeTextFile(path, line("third\n", 3), { append: true });
  await Deno.rename(path, `${path}.1`);
  await Deno.writeTextFile(path, line("fourth\n", 4));
  await new Promise((resolve) => setTimeout(resolve, 200));
  stop();
  await reading;
  deepStrictEqual(seen, ["first\n", "second\n", "third\n", "fourth\n"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("k8s-file (CRI) lines: F ends a line, P is a piece, raw text, bad lines skipped", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/x.log`;
  await Deno.writeTextFile(
    path,
    [
      '2026-01-01T00:00:01.000000000Z stdout F say "hi"\\n',
      "2026-01-01T00:00:02.000000000Z stderr P half ",
      "2026-01-01T00:00:02.500000000Z stderr F line",
      "not a cri line",
      "2026-01-01T00:00:03.000000000Z stdout F ",
      "2026-01-01T00:00:04.000000000Z stdout P tail",
    ].join("\n") + "\n",
  );
  deepStrictEqual(
    await collect(path, 1, {}, "k8s-file"),
    'say "hi"\\n\nhalf line\n\ntail',
  );
  deepStrictEqual(
    await collect(path, 1, { since: Date.parse("2026-01-01T00:00:02.5Z") }, "k8s-file"),
    "line\n\ntail",
  );
  await Deno.remove(dir, { recursive: true });
});
