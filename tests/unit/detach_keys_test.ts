import { deepStrictEqual, throws } from "node:assert/strict";
import { DetachKeyScanner, parseDetachKeys } from "../../lib/detach_keys.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("detach keys parse as docker writes them; empty disables", () => {
  deepStrictEqual(parseDetachKeys("ctrl-p,ctrl-q"), [16, 17]);
  deepStrictEqual(parseDetachKeys("ctrl-a,x"), [1, 120]);
  deepStrictEqual(parseDetachKeys("ctrl-@,ctrl-["), [0, 27]);
  deepStrictEqual(parseDetachKeys(""), null);
  throws(() => parseDetachKeys("ctrl-1"), /Invalid detach keys/);
  throws(() => parseDetachKeys("ab"), /Invalid detach keys/);
});

Deno.test("the sequence detaches; other bytes pass, a broken match is let through", () => {
  const scanner = new DetachKeyScanner([16, 17]);
  deepStrictEqual(scanner.push(bytes(104, 105)), { forward: bytes(104, 105), detach: false });
  deepStrictEqual(scanner.push(bytes(16)), { forward: bytes(), detach: false });
  deepStrictEqual(scanner.held, 1);
  deepStrictEqual(scanner.push(bytes(97)), { forward: bytes(16, 97), detach: false });
  deepStrictEqual(scanner.push(bytes(16, 16, 17, 99)), { forward: bytes(16), detach: true });
});

Deno.test("a held partial match can be flushed after a pause", () => {
  const scanner = new DetachKeyScanner([16, 17]);
  deepStrictEqual(scanner.push(bytes(120, 16)), { forward: bytes(120), detach: false });
  deepStrictEqual(scanner.flush(), bytes(16));
  deepStrictEqual(scanner.held, 0);
  deepStrictEqual(scanner.push(bytes(17)), { forward: bytes(17), detach: false });
});
