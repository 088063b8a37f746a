/**
 * berth's builtin seccomp profile, in docker's profile format: the policy
 * docker documents for its default profile. An allowlist, whose default
 * is EPERM; the system calls that need a capability the container lacks
 * stay out (the kernel would refuse most of them anyway, but a filter
 * refuses them before any kernel code runs); argument filters for clone
 * (no new namespaces), personality (the harmless values) and socket (no
 * AF_VSOCK). Left out altogether: the keyring (keyctl, add_key,
 * request_key), userfaultfd, kexec, swap, module loading without
 * CAP_SYS_MODULE, io_uring, the obsolete and the 16-bit calls.
 *
 * Each family is a named list so that a unit test can hold it to its
 * rule; seccomp_profile.ts turns the profile into the OCI form for a
 * container's capabilities.
 * @module
 */

import type { DockerSeccompProfile, DockerSeccompRule } from "./seccomp_profile.ts";

/** The names in a whitespace-separated list. */
function words(text: string): string[] {
  return text.trim().split(/\s+/);
}

/** Files, descriptors and their I/O. */
const FILES = words(`
  access close close_range copy_file_range creat dup dup2 dup3 faccessat faccessat2 fadvise64
  fadvise64_64 fallocate fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl
  fcntl64 fdatasync fgetxattr flistxattr flock fremovexattr fsetxattr fstat fstat64 fstatat64
  fstatfs fstatfs64 fsync ftruncate ftruncate64 futimesat getcwd getdents getdents64 getxattr
  inotify_add_watch inotify_init inotify_init1 inotify_rm_watch ioctl lchown lchown32
  lgetxattr link linkat listxattr llistxattr lremovexattr lseek _llseek lsetxattr lstat
  lstat64 chdir chmod chown chown32 memfd_create mkdir mkdirat mknod mknodat newfstatat open
  openat openat2 pipe pipe2 pread64 preadv preadv2 pwrite64 pwritev pwritev2 read readahead
  readlink readlinkat readv removexattr rename renameat renameat2 rmdir sendfile sendfile64
  setxattr splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range
  syncfs tee truncate truncate64 umask unlink unlinkat utime utimensat utimensat_time64 utimes
  vmsplice write writev fanotify_mark cachestat landlock_add_rule landlock_create_ruleset
  landlock_restrict_self
`);

/** Waiting on descriptors, and the descriptors that wait. */
const POLLING = words(`
  epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
  epoll_wait_old eventfd eventfd2 poll ppoll ppoll_time64 pselect6 pselect6_time64 select
  _newselect signalfd signalfd4 timerfd_create timerfd_gettime timerfd_gettime64
  timerfd_settime timerfd_settime64 io_cancel io_destroy io_getevents io_pgetevents
  io_pgetevents_time64 io_setup io_submit
`);

/** Memory of the process itself. */
const MEMORY = words(`
  brk madvise membarrier mincore mlock mlock2 mlockall mmap mmap2 mprotect mremap msync
  munlock munlockall munmap pkey_alloc pkey_free pkey_mprotect remap_file_pages
  map_shadow_stack
`);

/** Processes, threads, identities, limits and scheduling within the container. */
const PROCESSES = words(`
  capget capset execve execveat exit exit_group fork futex futex_requeue futex_time64
  futex_wait futex_waitv futex_wake get_robust_list getcpu getegid getegid32 geteuid geteuid32
  getgid getgid32 getgroups getgroups32 getpgid getpgrp getpid getppid getpriority getrandom
  getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid gettid getuid
  getuid32 ioprio_get ioprio_set kill pidfd_open pidfd_send_signal prctl prlimit64
  restart_syscall rseq sched_get_priority_max sched_get_priority_min sched_getaffinity
  sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval
  sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
  sched_setscheduler sched_yield seccomp set_robust_list set_tid_address setfsgid setfsgid32
  setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setpgid setpriority setregid
  setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid
  setuid setuid32 sysinfo tgkill times tkill ugetrlimit uname vfork wait4 waitid waitpid
`);

/**
 * Signals and timers; adjtimex too, for reading the clock's state (setting
 * it is the kernel's CAP_SYS_TIME check).
 */
const SIGNALS_AND_TIME = words(`
  alarm clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
  clock_nanosleep_time64 getitimer gettimeofday nanosleep pause rt_sigaction rt_sigpending
  rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
  rt_sigtimedwait_time64 rt_tgsigqueueinfo setitimer sigaction sigaltstack signal sigpending
  sigprocmask sigreturn sigsuspend time timer_create timer_delete timer_getoverrun
  timer_gettime timer_gettime64 timer_settime timer_settime64 adjtimex
`);

/** System V and POSIX IPC (the container has an IPC namespace of its own). */
const IPC = words(`
  ipc mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
  mq_timedsend_time64 mq_unlink msgctl msgget msgrcv msgsnd semctl semget semop semtimedop
  semtimedop_time64 shmat shmctl shmdt shmget
`);

/** Sockets (socket itself is filtered below). */
const NETWORK = words(`
  accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom recvmmsg
  recvmmsg_time64 recvmsg send sendmmsg sendmsg sendto setsockopt shutdown socketcall
  socketpair
`);

/** What each capability unlocks beyond the allowlist (docker's gates). */
export const CAPABILITY_GATES: Record<string, string[]> = {
  CAP_DAC_READ_SEARCH: ["open_by_handle_at", "name_to_handle_at"],
  CAP_SYS_ADMIN: [
    "bpf",
    "clone",
    "clone3",
    "fanotify_init",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "quotactl",
    "quotactl_fd",
    "setdomainname",
    "sethostname",
    "setns",
    "syslog",
    "umount",
    "umount2",
    "unshare",
  ],
  CAP_SYS_BOOT: ["reboot"],
  CAP_SYS_CHROOT: ["chroot"],
  CAP_SYS_MODULE: ["delete_module", "finit_module", "init_module"],
  CAP_SYS_PACCT: ["acct"],
  CAP_SYS_PTRACE: [
    "kcmp",
    "pidfd_getfd",
    "process_madvise",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
  ],
  CAP_SYS_RAWIO: ["ioperm", "iopl"],
  CAP_SYS_TIME: [
    "clock_adjtime",
    "clock_adjtime64",
    "clock_settime",
    "clock_settime64",
    "settimeofday",
    "stime",
  ],
  CAP_SYS_TTY_CONFIG: ["vhangup"],
  CAP_SYS_NICE: [
    "get_mempolicy",
    "mbind",
    "migrate_pages",
    "move_pages",
    "set_mempolicy",
    "set_mempolicy_home_node",
  ],
  CAP_SYSLOG: ["syslog"],
  CAP_BPF: ["bpf"],
  CAP_PERFMON: ["perf_event_open"],
};

/** The namespace flags of clone(2): a clone with none of them is allowed to everyone. */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET

/** personality(2) values that change nothing a filter must guard (and the query). */
export const ALLOWED_PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** AF_VSOCK: a way out to the hypervisor, never given. */
export const AF_VSOCK = 40;

const EPERM = 1;
const ENOSYS = 38;

/** The families of the allowlist, by name (for the tests and the README). */
export const ALLOWED_FAMILIES = {
  FILES,
  POLLING,
  MEMORY,
  PROCESSES,
  SIGNALS_AND_TIME,
  IPC,
  NETWORK,
};

function allow(names: string[], extra: Partial<DockerSeccompRule> = {}): DockerSeccompRule {
  return { names, action: "SCMP_ACT_ALLOW", ...extra };
}

/** The builtin profile, in docker's format. */
export const BUILTIN_PROFILE: DockerSeccompProfile = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: EPERM,
  archMap: [
    {
      architecture: "SCMP_ARCH_X86_64",
      subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
  ],
  syscalls: [
    allow(Object.values(ALLOWED_FAMILIES).flat()),
    // One rule per value: rules are ORed, the args of one rule ANDed.
    ...ALLOWED_PERSONALITIES.map((value) =>
      allow(["personality"], { args: [{ index: 0, value, op: "SCMP_CMP_EQ" }] })
    ),
    allow(["socket"], { args: [{ index: 0, value: AF_VSOCK, op: "SCMP_CMP_NE" }] }),
    allow(["arch_prctl", "set_thread_area", "get_thread_area"], {
      includes: { arches: ["amd64", "x32", "386"] },
    }),
    allow([
      "arm_fadvise64_64",
      "arm_sync_file_range",
      "breakpoint",
      "cacheflush",
      "set_tls",
      "sync_file_range2",
    ], { includes: { arches: ["arm", "arm64"] } }),
    // Docker's rule: kernels from 4.8 on keep seccomp in force across
    // ptrace, so tracing within the container is safe.
    allow(CAPABILITY_GATES.CAP_SYS_PTRACE, { includes: { minKernel: "4.8" } }),
    // clone without new namespaces; clone3's flags are in memory, out of a
    // filter's reach: ENOSYS makes the C library fall back to clone.
    allow(["clone"], {
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      excludes: { caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"] },
    }),
    allow(["clone"], {
      args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      includes: { arches: ["s390", "s390x"] },
      excludes: { caps: ["CAP_SYS_ADMIN"] },
    }),
    {
      names: ["clone3"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: ENOSYS,
      excludes: { caps: ["CAP_SYS_ADMIN"] },
    },
    ...Object.entries(CAPABILITY_GATES).map(([capability, names]) =>
      allow(names, { includes: { caps: [capability] } })
    ),
  ],
};
