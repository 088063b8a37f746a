import { deepStrictEqual } from "node:assert/strict";
import { JSON_BODY_LIMITS, JsonBodyReader } from "../../runtime/api/json_body.ts";
import {
  argumentSpace,
  checkArgumentSize,
  MAX_ARG_STRLEN,
} from "../../runtime/oci/argument_limits.ts";
import { ApiError } from "../../runtime/errors.ts";
import { writeAll } from "../../protocol/write_all.ts";

const encoder = new TextEncoder();

function read(...chunks: string[]): unknown {
  const reader = new JsonBodyReader();
  for (const chunk of chunks) reader.push(encoder.encode(chunk));
  return reader.finish();
}

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
  return 0;
}

Deno.test("a JSON body split anywhere parses whole; an empty one is {}", () => {
  deepStrictEqual(read('{"Env":["A=[{\\"', '"],"Cmd":["é', '"]}'), {
    Env: ['A=[{"'],
    Cmd: ["é"],
  });
  const bytes = encoder.encode('{"a":"ü"}');
  const reader = new JsonBodyReader();
  for (const byte of bytes) reader.push(new Uint8Array([byte]));
  deepStrictEqual(reader.finish(), { a: "ü" });
  deepStrictEqual(read(""), {});
  deepStrictEqual(read("  \n"), {});
});

Deno.test("brackets inside strings do not count as nesting", () => {
  const deepText = "[".repeat(500);
  deepStrictEqual(read(JSON.stringify({ Cmd: [deepText, '}]\\"[['] })), {
    Cmd: [deepText, '}]\\"[['],
  });
});

Deno.test("a body past the depth, value or byte bound is refused as it arrives", () => {
  const depth = JSON_BODY_LIMITS.depth;
  read("[".repeat(depth) + "]".repeat(depth));
  deepStrictEqual(status(() => read("[".repeat(depth + 1))), 400);
  deepStrictEqual(status(() => read(`[${"1,".repeat(JSON_BODY_LIMITS.values)}1]`)), 400);
  const reader = new JsonBodyReader();
  const megabyte = new Uint8Array(1024 * 1024).fill(0x20);
  deepStrictEqual(
    status(() => {
      for (let i = 0; i <= JSON_BODY_LIMITS.bytes / megabyte.length; i++) reader.push(megabyte);
    }),
    413,
  );
  deepStrictEqual(
    status(() => JsonBodyReader.checkDeclaredLength(JSON_BODY_LIMITS.bytes + 1)),
    413,
  );
  deepStrictEqual(status(() => JsonBodyReader.checkDeclaredLength(JSON_BODY_LIMITS.bytes)), 0);
});

Deno.test("invalid UTF-8 and invalid JSON are a 400", () => {
  const reader = new JsonBodyReader();
  deepStrictEqual(status(() => reader.push(new Uint8Array([0x22, 0xc3, 0x28, 0x22]))), 400);
  const cut = new JsonBodyReader();
  cut.push(new Uint8Array([0x22, 0xc3]));
  deepStrictEqual(status(() => cut.finish()), 400);
  deepStrictEqual(status(() => read("{not json")), 400);
});

Deno.test("ARG_MAX is a quarter of the stack limit, between 128 KiB and 6 MiB", () => {
  deepStrictEqual(argumentSpace(), 2 * 1024 * 1024);
  deepStrictEqual(argumentSpace(64 * 1024 * 1024), 6 * 1024 * 1024);
  deepStrictEqual(argumentSpace(64 * 1024), MAX_ARG_STRLEN);
});

Deno.test("a command execve would refuse with E2BIG is a 400", () => {
  checkArgumentSize(["sh", "-c", "x".repeat(MAX_ARG_STRLEN - 1)], ["A=1"]);
  deepStrictEqual(status(() => checkArgumentSize(["x".repeat(MAX_ARG_STRLEN)], [])), 400);
  deepStrictEqual(status(() => checkArgumentSize(["true"], [`A=${"é".repeat(70_000)}`])), 400);
  const env = Array.from({ length: 20 }, (_, i) => `V${i}=${"v".repeat(120_000)}`);
  deepStrictEqual(status(() => checkArgumentSize(["true"], env)), 400);
  checkArgumentSize(["true"], env, { stackLimit: 32 * 1024 * 1024 });
  // Pointers count too: a million empty arguments do not fit.
  deepStrictEqual(status(() => checkArgumentSize(new Array(300_000).fill(""), [])), 400);
});

Deno.test("writeAll keeps writing what a writer takes only in part", async () => {
  const received: number[] = [];
  const writer = {
    write(data: Uint8Array) {
      const taken = Math.min(data.length, 7);
      received.push(...data.subarray(0, taken));
      return Promise.resolve(taken);
    },
  };
  const data = encoder.encode("a partial writer takes seven bytes at a time");
  await writeAll(writer, data);
  deepStrictEqual(new Uint8Array(received), data);
});

Deno.test("escapes are followed across chunk boundaries and through many short strings", () => {
  const text = JSON.stringify({
    a: 'x\\"y',
    b: Array.from({ length: 500 }, (_, i) => `s${i}`),
    c: "\\",
    d: `\\"${"[".repeat(300)}`,
  });
  for (let cut = 1; cut < 12; cut++) {
    const chunks = text.match(new RegExp(`[^]{1,${cut}}`, "g"))!;
    deepStrictEqual(read(...chunks), JSON.parse(text));
  }
});
