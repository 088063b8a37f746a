import { deepStrictEqual } from "node:assert/strict";
import { withFieldNames } from "../../runtime/api/json_body.ts";

Deno.test("fields match docker's names whatever their case, as Go's decoder matches them", () => {
  deepStrictEqual(
    withFieldNames({ detachKeys: "ctrl-p", Cmd: ["cat"], other: 1 }, ["DetachKeys", "Cmd"]),
    { DetachKeys: "ctrl-p", Cmd: ["cat"], other: 1 },
  );
  // The exact spelling wins.
  deepStrictEqual(withFieldNames({ DetachKeys: "a", detachkeys: "b" }, ["DetachKeys"]), {
    DetachKeys: "a",
  });
  deepStrictEqual(withFieldNames([1], ["X"]), [1]);
});
