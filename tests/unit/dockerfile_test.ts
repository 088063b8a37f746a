import { deepStrictEqual, throws } from "node:assert/strict";
import { DockerfileError, parseDockerfile } from "../../runtime/build/dockerfile_parser.ts";
import { processWord, processWords, SubstitutionError } from "../../runtime/build/shell_words.ts";
import {
  applyConfigInstruction,
  DEFAULT_SHELL,
  exposedPorts,
  type StageConfig,
  workdirPath,
} from "../../runtime/build/instructions.ts";
import { canonicalJson } from "../../runtime/build/build_cache.ts";

function stage(): StageConfig {
  return { run: {}, shell: DEFAULT_SHELL, cmdSet: false, escape: "\\" };
}

function apply(config: StageConfig, line: string, env: Record<string, string> = {}): string {
  const [instruction] = parseDockerfile(line).instructions;
  return applyConfigInstruction(config, instruction, (name) => env[name]);
}

Deno.test("continuation lines join, comments and blank lines inside them are left out", () => {
  const file = parseDockerfile(
    '# a comment\nFROM busybox\nRUN echo a \\\n# inside\n\n  && echo b\nCMD ["sh"]\n',
  );
  deepStrictEqual(file.instructions.map((item) => [item.keyword, item.rest, item.line]), [
    ["FROM", "busybox", 2],
    ["RUN", "echo a   && echo b", 3],
    ["CMD", '["sh"]', 7],
  ]);
  deepStrictEqual(file.instructions[2].json, ["sh"]);
});

Deno.test("the escape directive switches the continuation character; syntax is kept", () => {
  const file = parseDockerfile(
    "# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN dir c:\\ `\n  /w\n",
  );
  deepStrictEqual(file.escape, "`");
  deepStrictEqual(file.syntax, "docker/dockerfile:1");
  deepStrictEqual(file.instructions[1].rest, "dir c:\\   /w");
  // A directive after an instruction is a comment.
  deepStrictEqual(parseDockerfile("FROM x\n# escape=`\n").escape, "\\");
});

Deno.test("flags come before the arguments; a bad JSON array is the shell form", () => {
  const [copy, run] = parseDockerfile(
    "COPY --from=build --chown=1:2 /a /b\nRUN [not json\n",
  ).instructions;
  deepStrictEqual([...copy.flags], [["from", "build"], ["chown", "1:2"]]);
  deepStrictEqual(copy.rest, "/a /b");
  deepStrictEqual(copy.text, "--from=build --chown=1:2 /a /b");
  deepStrictEqual(run.json, undefined);
});

Deno.test("unknown instructions and heredocs are refused with the line", () => {
  throws(
    () => parseDockerfile("FROM x\nFOO bar\n"),
    /dockerfile parse error line 2: unknown instruction: FOO/,
  );
  throws(() => parseDockerfile("FROM x\nRUN cat <<EOF\nhi\nEOF\n"), DockerfileError);
  throws(() => parseDockerfile("# escape=x\nFROM y\n"), /invalid escape token/);
});

Deno.test("substitution: modifiers, quotes and escapes as docker's shell lexer", () => {
  const env: Record<string, string> = { A: "1", EMPTY: "", NAME: "two words" };
  const lookup = (name: string) => env[name];
  deepStrictEqual(processWord("$A-${A}x", lookup), "1-1x");
  deepStrictEqual(processWord("${UNSET:-dflt} ${EMPTY:-e} ${EMPTY-e}", lookup), "dflt e ");
  deepStrictEqual(processWord("${A:+alt}${UNSET:+alt}${EMPTY+set}", lookup), "altset");
  deepStrictEqual(processWord("'$A' \"$A\" \\$A", lookup), "$A 1 $A");
  deepStrictEqual(processWord("${UNSET:-${A}0}", lookup), "10");
  deepStrictEqual(processWords("a \"$NAME\" 'b c' d\\ e", lookup), [
    "a",
    "two words",
    "b c",
    "d e",
  ]);
  throws(() => processWord("${UNSET:?needed}", lookup), SubstitutionError);
  throws(() => processWord("'open", lookup), SubstitutionError);
});

Deno.test("ENV and LABEL: pairs with quotes, the legacy one-pair form, values substituted as they were before the instruction", () => {
  const config = stage();
  deepStrictEqual(
    apply(config, 'ENV A=1 B="two words" C=${A}x'),
    "/bin/sh -c #(nop) ENV A=1 B=two words C=x",
  );
  apply(config, "ENV LEGACY value with  spaces");
  deepStrictEqual(config.run.Env, ["A=1", "B=two words", "C=x", "LEGACY=value with  spaces"]);
  apply(config, "ENV A=3");
  deepStrictEqual(config.run.Env?.[config.run.Env.length - 1], "A=3");
  apply(config, 'LABEL "com.x"="y z" other=1');
  deepStrictEqual(config.run.Labels, { "com.x": "y z", other: "1" });
});

Deno.test("CMD and ENTRYPOINT: shell form through SHELL, ENTRYPOINT resets an inherited CMD", () => {
  const config = stage();
  config.run.Cmd = ["inherited"];
  apply(config, 'SHELL ["/bin/bash", "-ec"]');
  apply(config, "ENTRYPOINT run me");
  deepStrictEqual([config.run.Entrypoint, config.run.Cmd], [["/bin/bash", "-ec", "run me"], null]);
  apply(config, 'CMD ["a"]');
  apply(config, 'ENTRYPOINT ["e"]');
  deepStrictEqual([config.run.Entrypoint, config.run.Cmd], [["e"], ["a"]]);
  throws(() => apply(config, "SHELL /bin/sh"), /JSON form/);
});

Deno.test("EXPOSE ranges, WORKDIR relative paths, VOLUME forms, USER substitution", () => {
  deepStrictEqual(exposedPorts(["80", "53/UDP", "8000-8002/tcp"]), [
    "80/tcp",
    "53/udp",
    "8000/tcp",
    "8001/tcp",
    "8002/tcp",
  ]);
  throws(() => exposedPorts(["http"]), /Invalid containerPort/);
  deepStrictEqual(workdirPath("/a/b", "../c/./d"), "/a/c/d");
  deepStrictEqual(workdirPath(undefined, "x"), "/x");
  const config = stage();
  apply(config, 'VOLUME ["/data", "/logs"]');
  apply(config, "VOLUME /more $DIR", { DIR: "/sub" });
  deepStrictEqual(Object.keys(config.run.Volumes!), ["/data", "/logs", "/more", "/sub"]);
  apply(config, "USER ${WHO}:staff", { WHO: "app" });
  deepStrictEqual(config.run.User, "app:staff");
});

Deno.test("HEALTHCHECK: flags as nanoseconds, NONE, CMD-SHELL; ONBUILD refusals", () => {
  const config = stage();
  apply(config, "HEALTHCHECK --interval=5s --timeout=1m30s --retries=4 CMD wget -q x || exit 1");
  deepStrictEqual(config.run.Healthcheck, {
    Test: ["CMD-SHELL", "wget -q x || exit 1"],
    Interval: 5e9,
    Timeout: 90e9,
    Retries: 4,
  });
  apply(config, 'HEALTHCHECK CMD ["true"]');
  deepStrictEqual(config.run.Healthcheck, { Test: ["CMD", "true"] });
  apply(config, "HEALTHCHECK NONE");
  deepStrictEqual(config.run.Healthcheck, { Test: ["NONE"] });
  throws(() => apply(config, "HEALTHCHECK --interval=often CMD true"), /invalid duration/);
  apply(config, "ONBUILD run echo hi");
  deepStrictEqual(config.run.OnBuild, ["RUN echo hi"]);
  throws(() => apply(config, "ONBUILD ONBUILD RUN x"), /Chaining ONBUILD/);
  throws(() => apply(config, "ONBUILD FROM x"), /isn't allowed/);
});

Deno.test("configs compare whatever their key order", () => {
  deepStrictEqual(
    canonicalJson({ b: [1, { d: 1, c: 2 }], a: undefined }),
    '{"b":[1,{"c":2,"d":1}]}',
  );
});
