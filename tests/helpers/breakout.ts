/**
 * The breakout battery: the system calls and paths behind container
 * escapes, tried inside a default container with the static probe.
 * @module
 */

import { deepStrictEqual, match } from "node:assert/strict";
import type { TestDaemon } from "./harness.ts";
import { syscallProbe } from "./probe.ts";

export const EPERM = "errno 1";

/** Run `script` in a fresh container with the probe at /probe; stdout and stderr together. */
export async function inContainer(
  daemon: TestDaemon,
  flags: string[],
  script: string,
): Promise<string> {
  const result = await daemon.berth([
    "run",
    "--rm",
    "-v",
    `${await syscallProbe()}:/probe:ro`,
    ...flags,
    "busybox",
    "sh",
    "-c",
    script,
  ]);
  return result.stdout + result.stderr;
}

/** What the probe says of each system call. */
export async function probe(daemon: TestDaemon, flags: string[], names: string[]) {
  const output = await inContainer(daemon, flags, names.map((name) => `/probe ${name}`).join("; "));
  return Object.fromEntries(
    output.trim().split("\n").map((line) => {
      const [name, ...rest] = line.split(" ");
      return [name, rest.join(" ")];
    }),
  );
}

const ESCAPES = [
  "add_key",
  "keyctl",
  "request_key",
  "bpf",
  "userfaultfd",
  "perf_event_open",
  "kexec_load",
  "init_module",
  "open_by_handle_at",
  "io_uring_setup",
  "clone-newuser",
  "setns-host",
  "socket-vsock",
  "mount-tmpfs",
];

/** The battery's shell half: each line is the exact error the kernel or a filter gives. */
const SHELL_BATTERY = [
  ["mount -t tmpfs none /tmp", /mount: permission denied \(are you root\?\)/],
  ["unshare -U true", /unshare\(0x10000000\): Operation not permitted/],
  ["unshare -m true", /unshare\(0x20000\): Operation not permitted/],
  ["nsenter -t 1 -m true", /can't reassociate to namespace 'mnt': Operation not permitted/],
  ["echo x > /proc/sys/kernel/hostname", /\/proc\/sys\/kernel\/hostname: Read-only file system/],
  ["mkdir /sys/fs/cgroup/escape", /\/sys\/fs\/cgroup\/escape': Read-only file system/],
  ["echo 1 > /sys/kernel/mm/ksm/run", /Read-only file system/],
  // Made but not opened (the device cgroup), or not made at all (in a user namespace).
  [
    "mknod /tmp/sda b 8 0 && head -c1 /tmp/sda",
    /(head|mknod): \/tmp\/sda: Operation not permitted/,
  ],
  [
    "insmod /probe",
    /insmod: can't insert '\/probe': (Operation not permitted|invalid module format)/,
  ],
] as const;

/**
 * The breakout battery on a default container of `daemon`: each escape
 * fails with its exact error (the filter's, the kernel's, a read-only
 * mount's, or the namespaces' for what is not there to reach).
 */
export async function assertBattery(daemon: TestDaemon): Promise<void> {
  const denied = await probe(daemon, [], [...ESCAPES, "chroot-escape", `ptrace ${Deno.pid}`]);
  for (const name of ESCAPES) deepStrictEqual(denied[name], EPERM, name);
  // The classic chroot escape lands on the container's own root.
  match(denied["chroot-escape"], /^landed-on [0-9a-f]{12}$/);
  // Host processes are not there to trace, nor their root to read through.
  deepStrictEqual(denied.ptrace, "errno 3"); // ESRCH
  match(
    await inContainer(daemon, [], `cat /proc/${Deno.pid}/root/etc/shadow`),
    /can't open '\/proc\/\d+\/root\/etc\/shadow': No such file or directory/,
  );
  const shell = await inContainer(
    daemon,
    [],
    SHELL_BATTERY.map(([command]) => `${command}; echo "rc=$?"`).join("; "),
  );
  for (const [command, expected] of SHELL_BATTERY) match(shell, expected, command);
  deepStrictEqual(shell.match(/rc=0/g), null, "no escape succeeded");
}
