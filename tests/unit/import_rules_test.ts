import { deepStrictEqual } from "node:assert/strict";
import { REPO, runCommand } from "../helpers/harness.ts";

/** The entry points whose import graphs are checked. */
const ENTRIES = ["main.ts", "cli/entry.ts", "runtime/daemon_entry.ts", "shim/main.ts"];

/**
 * Import cycles that are known and not removed yet: this list may only
 * shrink (each entry: the cycle's modules, sorted, joined by " ").
 */
const KNOWN_CYCLES: string[] = [];

/** Who may import what: the folders each folder's modules may import from. */
const ALLOWED: Record<string, string[]> = {
  // The shim depends on nothing but Deno, the contract and the shared layer.
  "shim/": ["shim/", "protocol/", "lib/"],
  "protocol/": ["protocol/"],
  "lib/": ["lib/"],
  // The CLI is only an API client: never daemon or shim code.
  "cli/": ["cli/", "protocol/", "lib/"],
  "runtime/": ["runtime/", "protocol/", "lib/"],
};

/** The repository's modules reachable from the entries, each with what it imports at run time. */
async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const prefix = `file://${REPO}/`;
  for (const entry of ENTRIES) {
    const info = await runCommand("bash", [
      "-c",
      `cd '${REPO}' && exec deno info --json '${entry}'`,
    ]);
    deepStrictEqual(info.code, 0, info.stderr);
    const { modules } = JSON.parse(info.stdout) as {
      modules: { specifier: string; dependencies?: { code?: { specifier?: string } }[] }[];
    };
    for (const module of modules) {
      if (!module.specifier.startsWith(prefix)) continue;
      // Type-only imports are erased: only code imports make a cycle or a dependency.
      const imports = (module.dependencies ?? [])
        .map((dependency) => dependency.code?.specifier)
        .filter((specifier): specifier is string => specifier?.startsWith(prefix) ?? false)
        .map((specifier) => specifier.slice(prefix.length));
      graph.set(module.specifier.slice(prefix.length), imports);
    }
  }
  return graph;
}

/** The graph's cycles (strongly connected components of two modules or more), Tarjan's way. */
export function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (module: string) => {
    index.set(module, index.size);
    low.set(module, index.get(module)!);
    stack.push(module);
    onStack.add(module);
    for (const next of graph.get(module) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(module, Math.min(low.get(module)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(module, Math.min(low.get(module)!, index.get(next)!));
      }
    }
    if (low.get(module) !== index.get(module)) return;
    const component: string[] = [];
    for (let member = stack.pop()!;; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === module) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const module of graph.keys()) if (!index.has(module)) visit(module);
  return found;
}

Deno.test("cycles are found as the strongly connected parts of a graph", () => {
  const graph = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a", "d"]],
    ["d", ["e"]],
    ["e", []],
    ["f", ["f2"]],
    ["f2", ["f"]],
  ]);
  deepStrictEqual(cycles(graph).map((cycle) => cycle.join(" ")).sort(), ["a b c", "f f2"]);
});

Deno.test("the shim imports only protocol/ and lib/, the CLI no daemon code, and no new import cycle appears", async () => {
  const graph = await importGraph();
  const broken: string[] = [];
  for (const [module, imports] of graph) {
    const folder = Object.keys(ALLOWED).find((prefix) => module.startsWith(prefix));
    if (!folder) continue; // entry points at the top
    for (const imported of imports) {
      if (!ALLOWED[folder].some((allowed) => imported.startsWith(allowed))) {
        broken.push(`${module} imports ${imported}`);
      }
    }
  }
  deepStrictEqual(broken, []);
  const found = cycles(graph).map((cycle) => cycle.join(" "));
  deepStrictEqual(found.filter((cycle) => !KNOWN_CYCLES.includes(cycle)), [], "new import cycles");
  // A cycle that was removed comes off the list.
  deepStrictEqual(KNOWN_CYCLES.filter((cycle) => !found.includes(cycle)), []);
});
