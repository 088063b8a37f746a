import { deepStrictEqual, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, type TestDaemon } from "./helpers/harness.ts";

/**
 * A local user other than root (nobody) connecting to every socket of the
 * daemon as fast as it can: the API socket, and every shim's control and
 * attach sockets. Each connection it gets asks for the container list.
 */
const HAMMER = `
import glob, os, socket, sys, time
api, run, stop = sys.argv[1], sys.argv[2], sys.argv[3]
os.setgroups([]); os.setgid(65534); os.setuid(65534)
connected, answered, tries = 0, 0, 0
while not os.path.exists(stop):
    paths = [api] + glob.glob(run + "/c/*/*.sock") + glob.glob(run + "/x/*/*.sock")
    for path in paths:
        tries += 1
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
        except OSError:
            continue
        connected += 1
        try:
            s.settimeout(2)
            s.sendall(b"GET /containers/json HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                answered += 1
        except OSError:
            pass
        s.close()
print(connected, answered, tries)
`;

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

integrationTest(
  "a daemon started under umask 000 never lets another user reach its API or shim sockets",
  async (daemon: TestDaemon) => {
    await daemon.ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);
    // Open the way to the sockets for other users: only their modes guard them.
    for (const dir of [daemon.dir, daemon.runRoot]) await Deno.chmod(dir, 0o755);
    daemon.umask = "000";
    const stop = `${daemon.dir}/stop-hammer`;
    const hammer = new Deno.Command("python3", {
      args: ["-c", HAMMER, daemon.socket, daemon.runRoot, stop],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      for (let round = 0; round < 10; round++) {
        await daemon.kill9();
        await daemon.startProcess();
        await daemon.ok(["exec", "box", "true"]);
      }
    } finally {
      await Deno.writeTextFile(stop, "");
    }
    const output = await hammer.output();
    const [connected, answered, tries] = new TextDecoder().decode(output.stdout).trim().split(" ")
      .map(Number);
    deepStrictEqual(output.code, 0, new TextDecoder().decode(output.stderr));
    ok(tries > 1000, `the hammer tried ${tries} connections`);
    deepStrictEqual({ connected, answered }, { connected: 0, answered: 0 });
    deepStrictEqual(await mode(daemon.socket), 0o660);
    const box = (await daemon.ok(["inspect", "-f", "{{.Id}}", "box"])).trim();
    deepStrictEqual(await mode(`${daemon.runRoot}/c/${box}`), 0o700);
    deepStrictEqual(await mode(`${daemon.runRoot}/c/${box}/attach.sock`), 0o600);
    deepStrictEqual(await mode(`${daemon.runRoot}/c/${box}/control.sock`), 0o600);
    await daemon.ok(["rm", "-f", "box"]);
    await assertNoLeaks(daemon);
  },
  { runtimes: ["runc"] },
);
