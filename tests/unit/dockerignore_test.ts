import { deepStrictEqual } from "node:assert/strict";
import { cleanPath, IgnoreMatcher, parseDockerignore } from "../../lib/dockerignore.ts";

function excluded(patterns: string, paths: string[]): string[] {
  const matcher = new IgnoreMatcher(parseDockerignore(patterns));
  return paths.filter((path) => matcher.excludes(path));
}

Deno.test("patterns: comments, cleaning, leading slashes, * and ? within a component", () => {
  deepStrictEqual(parseDockerignore("# c\n\n /a/./b/ \n!  keep\n"), ["a/b", "!keep"]);
  deepStrictEqual(cleanPath("a//b/../c/"), "a/c");
  deepStrictEqual(
    excluded("*.log\ndocs/?.md", ["x.log", "sub/x.log", "docs/a.md", "docs/ab.md"]),
    ["x.log", "docs/a.md"],
  );
});

Deno.test("** spans directories; a matched directory leaves out its tree", () => {
  deepStrictEqual(
    excluded("**/*.tmp\nbuild", ["a.tmp", "x/y/z.tmp", "build/out/bin", "builder"]),
    ["a.tmp", "x/y/z.tmp", "build/out/bin"],
  );
});

Deno.test("! exceptions re-include, the last matching pattern decides", () => {
  deepStrictEqual(
    excluded("logs\n!logs/keep.log\n*.md\n!README.md\nREADME.md", [
      "logs/a.log",
      "logs/keep.log",
      "CHANGES.md",
      "README.md",
    ]),
    ["logs/a.log", "CHANGES.md", "README.md"],
  );
  deepStrictEqual(new IgnoreMatcher(["a", "!a/b"]).hasExceptions, true);
});
