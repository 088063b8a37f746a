import { deepStrictEqual } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

/** Run a docker-py script against the daemon; its printed lines. */
async function python(host: string, script: string): Promise<string[]> {
  const result = await runCommand("python3", [
    "-c",
    `import docker, socket
client = docker.DockerClient(base_url="${host}")
api = client.api
def answer(call):
    try:
        call()
        return "ok"
    except docker.errors.ImageLoadError as error:
        return "ImageLoadError " + str(error)
    except docker.errors.APIError as error:
        return f"{error.status_code} {error.explanation}"
${script}`,
  ]);
  deepStrictEqual(result.code, 0, result.stderr);
  return result.stdout.trim().split("\n");
}

integrationTest(
  "docker-py's calls answered as docker answers them: swarm inactive, exec framing by the start's Tty, log and volume drivers, commit of a stopped container, load errors",
  async (daemon) => {
    const lines = await python(
      daemon.host,
      `
# Swarm: what docker without a swarm says (which leave(force=True) accepts);
# init and join refused clearly.
print(answer(lambda: client.swarm.leave(force=True)))
print(answer(lambda: api.inspect_swarm()))
print(answer(lambda: client.services.list()))
print(answer(lambda: client.nodes.list()).split(" ")[0])
print(answer(lambda: client.swarm.init()).split(":")[0])

# Exec framing follows the start request's Tty, whatever the exec was created with.
box = client.containers.run("busybox", "sleep 300", detach=True)
def first_bytes(tty_exec, tty_start):
    exec_id = api.exec_create(box.id, "echo hi", tty=tty_exec)["Id"]
    sock = api.exec_start(exec_id, tty=tty_start, socket=True)._sock
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data
print(first_bytes(True, False)[:8].hex(), first_bytes(True, False)[8:])
print(first_bytes(False, True))
print(first_bytes(False, False)[:8].hex())
print(box.exec_run("sh -c 'echo out; echo err >&2'", demux=True).output)

# Logging: an unknown driver; Type empty is the daemon's driver; max-file alone.
print(answer(lambda: client.containers.create("busybox", "true", log_config={"Type": "asdf"})))
made = client.containers.create("busybox", "true", log_config={"Type": "", "Config": {"max-file": "3"}})
print(made.attrs["HostConfig"]["LogConfig"])
made.remove()

# Volume drivers: local by name works; another is kept, and is a missing
# plugin when a volume needs it.
local = api.create_container("busybox", "true", host_config=api.create_host_config(volume_driver="local"))
api.remove_container(local["Id"])
print("local volume driver ok")
kept = api.create_container("busybox", "true", host_config=api.create_host_config(volume_driver="nfs"))
print(api.inspect_container(kept["Id"])["HostConfig"]["VolumeDriver"])
api.remove_container(kept["Id"])
print(answer(lambda: api.create_container("busybox", "true", volumes=["/data"], host_config=api.create_host_config(volume_driver="nfs"))))

# Commit pauses only what runs: a stopped container commits with pause=True.
stopped = client.containers.run("busybox", "true", detach=True)
stopped.wait()
committed = stopped.commit(repository="committed", tag="stopped", pause=True)
print(committed.tags, committed.attrs["Parent"] == client.images.get("busybox").id)
# One that exits while the commit pauses it (docker-py's own test does this).
racing = api.create_container("busybox", "touch /made")
api.start(racing)
print(api.inspect_image(api.commit(racing["Id"], pause=True)["Id"])["Parent"] != "")
api.remove_container(racing["Id"], force=True)
stopped.remove()
client.images.remove("committed:stopped")

# A bad archive: a 200 stream whose message is the error.
print(answer(lambda: client.images.load(b"not an archive\\n" * 100)))
box.remove(force=True)
`,
    );
    deepStrictEqual(lines, [
      "ok",
      "503 This node is not part of a swarm",
      "503 This node is not part of a swarm",
      "503",
      "503 berth does not run swarm",
      "0100000000000004 b'hi\\r\\n'",
      "b'hi\\n'",
      "0100000000000003",
      "(b'out\\n', b'err\\n')",
      "400 logger: no log driver named 'asdf' is registered",
      "{'Type': 'json-file', 'Config': {'max-file': '3'}}",
      "local volume driver ok",
      "nfs",
      '404 error looking up volume plugin nfs: plugin "nfs" not found',
      "['committed:stopped'] True",
      "True",
      "ImageLoadError the archive is not a tar file (docker save or OCI layout)",
    ]);
    await assertNoLeaks(daemon);
  },
);
