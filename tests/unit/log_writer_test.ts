import { deepStrictEqual, ok } from "node:assert/strict";
import { MAX_LOG_LINE } from "../../protocol/container_log.ts";
import { LogWriter } from "../../shim/log_writer.ts";

const encode = (text: string) => new TextEncoder().encode(text);

async function entries(path: string) {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

Deno.test("lines are split at newlines, across chunks, per stream", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c-json.log`;
  const writer = await LogWriter.open({ path, maxSize: 0, maxFiles: 1 });
  await writer.write("stdout", encode("one\ntw"));
  await writer.write("stderr", encode("err line\n"));
  await writer.write("stdout", encode("o\nthree"));
  await writer.close();
  const logged = await entries(path);
  deepStrictEqual(logged.map((entry) => [entry.stream, entry.log]), [
    ["stdout", "one\n"],
    ["stderr", "err line\n"],
    ["stdout", "two\n"],
    ["stdout", "three"],
  ]);
  for (const entry of logged) {
    ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(entry.time), entry.time);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a line longer than 16 KiB is stored as partial entries", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c-json.log`;
  const writer = await LogWriter.open({ path, maxSize: 0, maxFiles: 1 });
  const long = "x".repeat(MAX_LOG_LINE * 2 + 10) + "\n";
  await writer.write("stdout", encode(long));
  await writer.close();
  const logged = await entries(path);
  deepStrictEqual(logged.map((entry) => entry.log.length), [MAX_LOG_LINE, MAX_LOG_LINE, 11]);
  deepStrictEqual(logged.map((entry) => entry.log).join(""), long);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rotation keeps max-file files of at most max-size bytes, newest first", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c-json.log`;
  const writer = await LogWriter.open({ path, maxSize: 500, maxFiles: 3 });
  for (let index = 0; index < 100; index++) await writer.write("stdout", encode(`line ${index}\n`));
  await writer.close();
  const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  deepStrictEqual(names, ["c-json.log", "c-json.log.1", "c-json.log.2"]);
  const all = [
    ...await entries(`${path}.2`),
    ...await entries(`${path}.1`),
    ...await entries(path),
  ];
  for (const name of names) ok(Deno.statSync(`${dir}/${name}`).size <= 500);
  const numbers = all.map((entry) => Number(entry.log.split(" ")[1]));
  deepStrictEqual(numbers.at(-1), 99);
  numbers.forEach((value, index) => deepStrictEqual(value, numbers[0] + index));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("with max-file 1 the log is truncated in place", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/c-json.log`;
  const writer = await LogWriter.open({ path, maxSize: 300, maxFiles: 1 });
  for (let index = 0; index < 50; index++) await writer.write("stdout", encode(`line ${index}\n`));
  await writer.close();
  deepStrictEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["c-json.log"]);
  const last = (await entries(path)).at(-1);
  deepStrictEqual(last.log, "line 49\n");
  await Deno.remove(dir, { recursive: true });
});
