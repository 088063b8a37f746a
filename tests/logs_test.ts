import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

integrationTest("json-file log rotates at max-size and keeps max-file files", async (daemon) => {
  const id = (await daemon.ok([
    "run",
    "-d",
    "--log-opt",
    "max-size=2k",
    "--log-opt",
    "max-file=3",
    "busybox",
    "sh",
    "-c",
    'i=0; while [ $i -lt 300 ]; do echo "line $i of the rotation test"; i=$((i+1)); done',
  ])).trim();
  deepStrictEqual(await daemon.ok(["wait", id]), "0\n");
  const dir = `${daemon.root}/containers/${id}`;
  const files = [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) =>
    name.includes("-json.log")
  ).sort();
  deepStrictEqual(files, [`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
  for (const file of files) {
    const size = Deno.statSync(`${dir}/${file}`).size;
    ok(size <= 2048, `${file} is ${size} bytes, over max-size`);
    for (const line of Deno.readTextFileSync(`${dir}/${file}`).trim().split("\n")) {
      const entry = JSON.parse(line);
      deepStrictEqual(Object.keys(entry).sort(), ["log", "stream", "time"]);
      match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    }
  }
  // What is kept is a contiguous run ending with the last line.
  const numbers = (await daemon.ok(["logs", id])).trim().split("\n").map((line) =>
    Number(/^line (\d+) of the rotation test$/.exec(line)![1])
  );
  deepStrictEqual(numbers.at(-1), 299);
  ok(numbers.length > 20, `only ${numbers.length} lines kept`);
  numbers.forEach((value, index) => deepStrictEqual(value, numbers[0] + index));
  await daemon.ok(["rm", id]);
  await assertNoLeaks(daemon);
});

integrationTest("a last line without a newline is logged at exit", async (daemon) => {
  const id = (await daemon.ok([
    "run",
    "-d",
    "busybox",
    "sh",
    "-c",
    "echo first; printf 'no newline'; printf 'err partial' >&2",
  ])).trim();
  await daemon.ok(["wait", id]);
  const logs = await daemon.berth(["logs", id]);
  deepStrictEqual(logs.stdout, "first\nno newline");
  deepStrictEqual(logs.stderr, "err partial");
  const entries = Deno.readTextFileSync(`${daemon.root}/containers/${id}/${id}-json.log`).trim()
    .split(
      "\n",
    ).map((line) => JSON.parse(line));
  const last = entries.filter((entry) => entry.stream === "stdout").at(-1);
  deepStrictEqual(last.log, "no newline");
  await daemon.ok(["rm", id]);
});

integrationTest("logs --tail, --timestamps, --since and --until", async (daemon) => {
  await daemon.ok([
    "run",
    "-d",
    "--name",
    "timed",
    "busybox",
    "sh",
    "-c",
    "echo a; sleep 1.2; echo b; sleep 1.2; echo c",
  ]);
  await daemon.ok(["wait", "timed"]);
  deepStrictEqual(await daemon.ok(["logs", "--tail", "2", "timed"]), "b\nc\n");
  deepStrictEqual(await daemon.ok(["logs", "-n", "0", "timed"]), "");
  const stamped = (await daemon.ok(["logs", "-t", "timed"])).trim().split("\n");
  deepStrictEqual(stamped.length, 3);
  const times = stamped.map((line) => {
    const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) ([abc])$/.exec(line);
    ok(match, `not a timestamped line: ${line}`);
    return match[1];
  });
  deepStrictEqual(await daemon.ok(["logs", "--since", times[1], "timed"]), "b\nc\n");
  deepStrictEqual(await daemon.ok(["logs", "--until", times[1], "timed"]), "a\nb\n");
  deepStrictEqual(await daemon.ok(["logs", "--since", "1h", "--until", times[0], "timed"]), "a\n");
  deepStrictEqual(await daemon.ok(["logs", "--since", "2000-01-01", "timed"]), "a\nb\nc\n");
  await daemon.ok(["rm", "timed"]);
});

integrationTest("logs -f streams new lines and ends when the container stops", async (daemon) => {
  await daemon.ok([
    "run",
    "-d",
    "--name",
    "followed",
    "busybox",
    "sh",
    "-c",
    "for i in 1 2 3 4 5; do echo $i; sleep 0.3; done; echo done >&2",
  ]);
  const follow = await daemon.berth(["logs", "-f", "followed"], { timeoutMs: 20_000 });
  deepStrictEqual(follow.code, 0);
  deepStrictEqual(follow.stdout, "1\n2\n3\n4\n5\n");
  deepStrictEqual(follow.stderr, "done\n");
  await daemon.ok(["rm", "followed"]);
});

integrationTest(
  "k8s-file logs in the CRI format: rotation, logs --tail, -t and the docker CLI read them; binary output is kept byte for byte",
  async (daemon) => {
    const id = (await daemon.ok([
      "run",
      "-d",
      "--log-driver",
      "k8s-file",
      "--log-opt",
      "max-size=2k",
      "--log-opt",
      "max-file=2",
      "busybox",
      "sh",
      "-c",
      // stdout and stderr are read side by side: the pauses keep their order.
      'i=0; while [ $i -lt 200 ]; do echo "cri line $i"; i=$((i+1)); done; sleep 0.2; echo oops >&2; sleep 0.2; printf end',
    ])).trim();
    deepStrictEqual(await daemon.ok(["wait", id]), "0\n");
    const dir = `${daemon.root}/containers/${id}`;
    deepStrictEqual(
      (await daemon.ok(["inspect", "-f", "{{.LogPath}} {{.HostConfig.LogConfig.Type}}", id]))
        .trim(),
      `${dir}/${id}.log k8s-file`,
    );
    const files = [...Deno.readDirSync(dir)].map((entry) => entry.name)
      .filter((name) => name.startsWith(`${id}.log`)).sort();
    deepStrictEqual(files, [`${id}.log`, `${id}.log.1`]);
    for (const file of files) {
      const text = Deno.readTextFileSync(`${dir}/${file}`);
      ok(text.length <= 2048, `${file} is over max-size`);
      for (const line of text.trimEnd().split("\n")) {
        match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] /);
      }
    }
    const current = Deno.readTextFileSync(`${dir}/${id}.log`);
    match(current, / stderr F oops\n/);
    match(current, / stdout P end\n$/);
    deepStrictEqual(await daemon.ok(["logs", "--tail", "3", id]), "cri line 199\nend");
    match(await daemon.ok(["logs", "-t", "--tail", "1", id]), /^\d{4}-\d\d-\d\dT[\d:.]+Z end$/);
    const docker = await runCommand("docker", ["logs", "--tail", "3", id], {
      env: { DOCKER_HOST: daemon.host },
    });
    deepStrictEqual([docker.stdout, docker.stderr], ["cri line 199\nend", "oops\n"]);
    await daemon.ok(["rm", id]);

    // Raw bytes go to the file as they are (every byte but the newline).
    await daemon.ok([
      "run",
      "--name",
      "bin",
      "--log-driver",
      "k8s-file",
      "busybox",
      "sh",
      "-c",
      "head -c 300000 /dev/urandom | tr -d '\\n' > /d; cat /d; md5sum /d >&2",
    ]);
    const logId = (await daemon.ok(["inspect", "-f", "{{.Id}}", "bin"])).trim();
    const raw = Deno.readFileSync(`${daemon.root}/containers/${logId}/${logId}.log`);
    const streams: Record<string, number[]> = { stdout: [], stderr: [] };
    for (let start = 0; start < raw.length;) {
      const end = raw.indexOf(0x0a, start);
      const fields: number[] = [];
      for (let at = start; fields.length < 3; at++) if (raw[at] === 0x20) fields.push(at);
      const stream = new TextDecoder().decode(raw.subarray(fields[0] + 1, fields[1]));
      streams[stream].push(...raw.subarray(fields[2] + 1, end));
      start = end + 1;
    }
    const data = new Uint8Array(streams.stdout);
    ok(data.length > 290_000, `${data.length} bytes of stdout`);
    const digest = await runCommand("md5sum", [], { stdin: data });
    deepStrictEqual(
      digest.stdout.split(/\s+/)[0],
      new TextDecoder().decode(new Uint8Array(streams.stderr)).split(/\s+/)[0],
    );
    await daemon.ok(["rm", "bin"]);
    await assertNoLeaks(daemon);
  },
);
