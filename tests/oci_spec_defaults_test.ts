import { deepStrictEqual, match, ok } from "node:assert/strict";
import { assertNoLeaks, integrationTest, runCommand } from "./helpers/harness.ts";

/** Docker's default capability set as a CapEff mask. */
const DOCKER_DEFAULT_CAPS = "00000000a80425fb";

integrationTest(
  "containers get docker's defaults: capabilities, masks, mounts, env, hostname",
  async (daemon) => {
    const id = (await daemon.ok(["create", "--name", "probe", "busybox", "sleep", "1000"])).trim();
    await daemon.ok(["start", "probe"]);
    const exec = (script: string) => daemon.ok(["run", "--rm", "busybox", "sh", "-c", script]);
    match(
      await exec("grep CapEff /proc/self/status"),
      new RegExp(`CapEff:\\s+${DOCKER_DEFAULT_CAPS}`),
    );
    // Masked paths are empty (the host's are not); read-only ones refuse writes.
    deepStrictEqual(await exec("wc -c < /proc/interrupts; ls /sys/firmware | wc -l"), "0\n0\n");
    match(await exec("echo 1 > /proc/sys/kernel/domainname 2>&1 || echo refused"), /refused/);
    match(
      await exec("mount | grep ' /dev/shm '"),
      /^shm on \/dev\/shm type tmpfs \(rw,nosuid,nodev,noexec,.*size=65536k/,
    );
    match(await exec("mount | grep ' /sys '"), /sysfs on \/sys type sysfs \(ro/);
    const env = await exec("env | sort");
    match(env, /^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
    match(env, /^HOME=\/root$/m);
    match(env, /^HOSTNAME=[a-f0-9]{12}$/m);
    // The hostname is the short id, and the files docker bind-mounts are there.
    const hostname = await daemon.ok(["run", "--rm", "busybox", "hostname"]);
    match(hostname, /^[a-f0-9]{12}\n$/);
    match(await exec("cat /etc/hosts"), /^127\.0\.0\.1\tlocalhost$/m);
    const [fromFile, fromKernel] = (await exec("cat /etc/hostname; hostname")).split("\n");
    deepStrictEqual(fromFile, fromKernel);
    deepStrictEqual(
      await exec("cat /etc/resolv.conf"),
      await Deno.readTextFile("/etc/resolv.conf"),
    );
    // Its cgroup is under the daemon's parent, named by id.
    const found = await runCommand("find", [
      "/sys/fs/cgroup",
      "-maxdepth",
      "3",
      "-type",
      "d",
      "-name",
      id,
    ]);
    ok(
      found.stdout.includes(`${daemon.cgroupParent}/${id}`),
      `no cgroup for ${id}: ${found.stdout}`,
    );
    await daemon.ok(["rm", "-f", "probe"]);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "user, working dir, env, entrypoint and hostname come from the flags",
  async (daemon) => {
    // Names come from the image's /etc/passwd and /etc/group, which a user
    // that is not root can read (the container's / is 0755).
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-u", "nobody", "busybox", "id"]),
      "uid=65534(nobody) gid=65534(nogroup)\n",
    );
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-u", "www-data", "busybox", "id"]),
      "uid=33(www-data) gid=33(www-data) groups=50(staff)\n",
    );
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-u", "1234:5678", "busybox", "id", "-u"]),
      "1234\n",
    );
    const unknown = await daemon.berth(["run", "--rm", "-u", "nosuchuser", "busybox", "id"]);
    deepStrictEqual(unknown.code, 125);
    match(unknown.stderr, /unable to find user nosuchuser/);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-w", "/made/by/berth", "busybox", "pwd"]),
      "/made/by/berth\n",
    );
    const envFile = await Deno.makeTempFile();
    await Deno.writeTextFile(envFile, "# comment\nFROM_FILE=yes\n\nOVERRIDE=file\n");
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "--env-file",
        envFile,
        "-e",
        "OVERRIDE=flag",
        "-e",
        "A=1",
        "busybox",
        "sh",
        "-c",
        "echo $FROM_FILE $OVERRIDE $A",
      ]),
      "yes flag 1\n",
    );
    await Deno.remove(envFile);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "--entrypoint", "echo", "busybox", "from", "entrypoint"]),
      "from entrypoint\n",
    );
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-h", "custom", "busybox", "hostname"]),
      "custom\n",
    );
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "-l", "a=b", "--name", "labelled", "busybox", "true"]),
      "",
    );
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "rlimits never exceed the daemon's hard limit; ulimits are checked",
  async (daemon) => {
    const hard = Number((await runCommand("bash", ["-c", "ulimit -Hn"])).stdout.trim());
    const expected = Math.min(hard, 1048576);
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"]),
      `${expected}\n${expected}\n`,
    );
    deepStrictEqual(
      await daemon.ok([
        "run",
        "--rm",
        "--ulimit",
        "nofile=512:1024",
        "busybox",
        "sh",
        "-c",
        "ulimit -n; ulimit -Hn",
      ]),
      "512\n1024\n",
    );
    const tooMuch = await daemon.berth([
      "run",
      "--rm",
      "--ulimit",
      `nofile=${hard + 1}`,
      "busybox",
      "true",
    ]);
    deepStrictEqual(tooMuch.code, 125);
    match(tooMuch.stderr, /exceeds the daemon's own hard limit/);
    await assertNoLeaks(daemon);
  },
);

integrationTest(
  "network none has only loopback; network host shares the host's; an unknown network is refused",
  async (daemon) => {
    const none = await daemon.ok([
      "run",
      "--rm",
      "--network",
      "none",
      "busybox",
      "sh",
      "-c",
      "ls /sys/class/net",
    ]);
    deepStrictEqual(none, "lo\n");
    deepStrictEqual(
      await daemon.ok(["run", "--rm", "busybox", "sh", "-c", "ip link show lo | grep -c UP"]),
      "1\n",
    );
    // The host's interfaces, but for the veths of bridge containers (the
    // one of the container above may be going away meanwhile).
    const links = (text: string) =>
      text.split(/\s+/).filter((name) => name && !name.startsWith("vb")).sort();
    const hostLinks = links((await runCommand("ls", ["/sys/class/net"])).stdout);
    const host = links(
      await daemon.ok(["run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net"]),
    );
    deepStrictEqual(host, hostLinks);
    const unknown = await daemon.berth(["run", "--rm", "--network", "mine", "busybox", "true"]);
    deepStrictEqual(unknown.code, 125);
    match(unknown.stderr, /network mine not found/);
    await assertNoLeaks(daemon);
  },
);
