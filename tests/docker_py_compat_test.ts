import { deepStrictEqual } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

/** docker-py 7.1 against berth: run, exec_run, top, logs, attach socket. */
const SCRIPT = `
import sys, docker
client = docker.DockerClient(base_url=sys.argv[1])
out = client.containers.run("busybox", ["sh", "-c", "echo hi; echo err >&2"], remove=True, stderr=True)
print("run", repr(out))
box = client.containers.run("busybox", ["sh", "-c", "echo up; sleep 100"], detach=True, name="pybox")
result = box.exec_run(["sh", "-c", "echo from-exec; echo e >&2; exit 3"], demux=True)
print("exec", result.exit_code, repr(result.output))
top = box.top()
print("top", top["Titles"][:3], len(top["Processes"]))
print("logs", repr(box.logs()))
box.remove(force=True)
`;

integrationTest("docker-py runs, execs, tops and reads logs on berth", async (daemon) => {
  const result = await runCommand("python3", ["-c", SCRIPT, daemon.host]);
  deepStrictEqual(result.code, 0, result.stderr);
  deepStrictEqual(result.stdout.split("\n"), [
    "run b'hi\\nerr\\n'",
    "exec 3 (b'from-exec\\n', b'e\\n')",
    "top ['UID', 'PID', 'PPID'] 1",
    "logs b'up\\n'",
    "",
  ]);
  await assertNoLeaks(daemon);
});
