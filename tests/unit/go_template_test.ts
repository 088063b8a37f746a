import { deepStrictEqual, throws } from "node:assert/strict";
import { GoTemplate } from "../../cli/go_template.ts";

const data = {
  Id: "abc",
  State: { Status: "running", ExitCode: 0, Running: true },
  Config: { Env: ["A=1", "B=2"], Labels: { b: "2", a: "1" }, Cmd: null },
  Name: "/web",
};

function render(source: string, value: unknown = data): string {
  return new GoTemplate(source).execute(value);
}

Deno.test("fields, json, index, len and Go's printing of values", () => {
  deepStrictEqual(
    render("{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}"),
    "running 0 true",
  );
  deepStrictEqual(render("{{json .State}}"), '{"Status":"running","ExitCode":0,"Running":true}');
  deepStrictEqual(render("{{.Config.Env}}"), "[A=1 B=2]");
  deepStrictEqual(render("{{.Config.Labels}}"), "map[a:1 b:2]");
  deepStrictEqual(render("{{.Config.Cmd}}"), "<nil>");
  deepStrictEqual(render('{{index .Config.Labels "a"}}'), "1");
  deepStrictEqual(render("{{len .Config.Env}}"), "2");
  deepStrictEqual(render('{{join .Config.Env ","}}'), "A=1,B=2");
  deepStrictEqual(render("{{.Name | upper}}"), "/WEB");
  deepStrictEqual(render('{{printf "%s-%d" .Id 7}}'), "abc-7");
});

Deno.test("if, range, with and variables", () => {
  deepStrictEqual(render("{{if .State.Running}}up{{else}}down{{end}}"), "up");
  deepStrictEqual(render("{{range .Config.Env}}[{{.}}]{{end}}"), "[A=1][B=2]");
  deepStrictEqual(render("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}"), "a=1;b=2;");
  deepStrictEqual(render("{{with .State}}{{.Status}}{{end}}"), "running");
  deepStrictEqual(render("{{- .Id -}}  \n"), "abc");
  deepStrictEqual(render("{{$x := .Id}}{{$x}}{{$x}}"), "abcabc");
});

Deno.test("errors name what went wrong", () => {
  throws(() => render("{{.Nope}}"), /can't evaluate field Nope/);
  throws(() => render("{{nosuch .Id}}"), /function "nosuch" not defined/);
  throws(() => render("{{if .Id}}x"), /missing \{\{end\}\}/);
});

Deno.test("a field of a parenthesized pipeline: (index .Mounts 0).Source", () => {
  const data = { Mounts: [{ Source: "/a", Destination: "/b" }], Labels: { x: "1" } };
  deepStrictEqual(new GoTemplate("{{(index .Mounts 0).Source}}").execute(data), "/a");
  deepStrictEqual(
    new GoTemplate('{{printf "%s:%s" (index .Mounts 0).Source (index .Labels "x")}}').execute(
      data,
    ),
    "/a:1",
  );
});
