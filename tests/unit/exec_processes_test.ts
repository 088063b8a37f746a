import { deepStrictEqual } from "node:assert/strict";
import { parentPidOf, processTree } from "../../runtime/execs/exec_processes.ts";

Deno.test("the parent pid is read past a process name holding spaces and parentheses", () => {
  deepStrictEqual(parentPidOf("4321 (sleep) S 4300 4321 4300 0 -1"), 4300);
  deepStrictEqual(parentPidOf("77 (a (b) c) R 12 77 12 0"), 12);
  deepStrictEqual(parentPidOf(""), undefined);
});

Deno.test("an exec's tree is its pid and its descendants among the container's processes", () => {
  const parents = new Map([[1, 0], [10, 1], [11, 10], [12, 11], [20, 1], [21, 20]]);
  deepStrictEqual(processTree(10, parents).sort(), [10, 11, 12]);
  deepStrictEqual(processTree(21, parents), [21]);
  // A pid not in the container (reused elsewhere) is never in the tree.
  deepStrictEqual(processTree(99, parents), []);
});
