/**
 * Docker's defaults for a container's OCI spec: capabilities, mounts,
 * masked and read-only paths, the device cgroup allow list.
 * @module
 */

/** The capabilities docker gives a container by default. */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** An OCI mount. */
export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/**
 * The kernel filesystems every container gets: /dev/shm of `shmSize`
 * bytes (the host's with `hostShm`), /sys and its cgroups read-only unless
 * `sysWritable` (privileged).
 */
export function defaultMounts(
  options: { shmSize: number; hostShm: boolean; sysWritable: boolean },
): SpecMount[] {
  const sysMode = options.sysWritable ? "rw" : "ro";
  const sys: SpecMount = {
    destination: "/sys",
    type: "sysfs",
    source: "sysfs",
    options: ["nosuid", "noexec", "nodev", sysMode],
  };
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    sys,
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: [sysMode, "nosuid", "noexec", "nodev"],
    },
    {
      destination: "/dev/mqueue",
      type: "mqueue",
      source: "mqueue",
      options: ["nosuid", "noexec", "nodev"],
    },
    options.hostShm
      ? {
        destination: "/dev/shm",
        type: "bind",
        source: "/dev/shm",
        options: ["rbind", "rprivate"],
      }
      : {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${options.shmSize}`],
      },
  ];
}

/** Paths hidden from the container. */
export const MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/interrupts",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

/** Paths the container may read but not write. */
export const READONLY_PATHS = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
  // On cgroup v1 the runtimes mount a writable tmpfs here, under the
  // read-only hierarchies: nothing may be made in it either.
  "/sys/fs/cgroup",
];

/** What every container's own network namespace is given (docker's defaults). */
export const NETWORK_SYSCTLS: Record<string, string> = {
  "net.ipv4.ip_unprivileged_port_start": "0",
  "net.ipv4.ping_group_range": "0 2147483647",
};

/** An entry of the device cgroup list. */
export interface DeviceRule {
  allow: boolean;
  type?: "a" | "c" | "b";
  major?: number;
  minor?: number;
  access: string;
}

/** Deny every device but the usual character devices. */
export const DEVICE_RULES: DeviceRule[] = [
  { allow: false, access: "rwm" },
  { allow: true, type: "c", access: "m" },
  { allow: true, type: "b", access: "m" },
  { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, // null
  { allow: true, type: "c", major: 1, minor: 8, access: "rwm" }, // random
  { allow: true, type: "c", major: 1, minor: 7, access: "rwm" }, // full
  { allow: true, type: "c", major: 5, minor: 0, access: "rwm" }, // tty
  { allow: true, type: "c", major: 1, minor: 5, access: "rwm" }, // zero
  { allow: true, type: "c", major: 1, minor: 9, access: "rwm" }, // urandom
  { allow: true, type: "c", major: 136, access: "rwm" }, // pts
  { allow: true, type: "c", major: 5, minor: 2, access: "rwm" }, // ptmx
  { allow: true, type: "c", major: 10, minor: 200, access: "rwm" }, // tun
];

/** PATH when neither the image nor the container sets one. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** /etc/hosts of a container without its own network. */
export const LOOPBACK_HOSTS = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "ff00::0\tip6-mcastprefix",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];
