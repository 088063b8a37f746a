import { deepStrictEqual, throws } from "node:assert/strict";
import { Flags, type FlagSpec, parseFlags, UsageError } from "../../cli/flags.ts";

const SPECS: FlagSpec[] = [
  { name: "detach", short: "d", type: "bool", description: "" },
  { name: "interactive", short: "i", type: "bool", description: "" },
  { name: "tty", short: "t", type: "bool", description: "" },
  { name: "env", short: "e", type: "list", description: "" },
  { name: "name", type: "string", description: "" },
  { name: "time", short: "n", type: "int", description: "" },
];

function parse(args: string[], stopAtPositional = false): Flags {
  return new Flags(parseFlags(args, SPECS, { stopAtPositional }), SPECS);
}

Deno.test("docker's flag forms", () => {
  const flags = parse([
    "-dit",
    "-e",
    "A=1",
    "-eB=2",
    "--env=C=3",
    "--name",
    "x",
    "--rm=false".replace("rm", "detach"),
    "-n5",
    "img",
  ]);
  deepStrictEqual(flags.bool("detach"), false);
  deepStrictEqual(flags.bool("interactive"), true);
  deepStrictEqual(flags.bool("tty"), true);
  deepStrictEqual(flags.list("env"), ["A=1", "B=2", "C=3"]);
  deepStrictEqual(flags.string("name"), "x");
  deepStrictEqual(flags.int("time"), 5);
  deepStrictEqual(flags.positionals, ["img"]);
});

Deno.test("run stops at the first positional; -- ends flags", () => {
  deepStrictEqual(parse(["-d", "busybox", "ls", "-l", "-d"], true).positionals, [
    "busybox",
    "ls",
    "-l",
    "-d",
  ]);
  deepStrictEqual(parse(["c1", "-d", "c2"]).positionals, ["c1", "c2"]);
  deepStrictEqual(parse(["--", "-d"]).positionals, ["-d"]);
});

Deno.test("unknown flags, missing values and bad numbers are usage errors", () => {
  throws(() => parse(["--nope"]), UsageError);
  throws(() => parse(["-x"]), /unknown shorthand flag: 'x'/);
  throws(() => parse(["--name"]), /flag needs an argument/);
  throws(() => parse(["-n", "five"]), /invalid argument "five"/);
  throws(() => parse(["--detach=maybe"]), /invalid argument "maybe"/);
});
