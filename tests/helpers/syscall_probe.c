/*
 * berth's breakout battery probe: tries the system calls a container must
 * not get (or may, when privileged) and prints, for each one asked for,
 * "NAME ok" or "NAME errno N". Built static by the tests (cc -static), so
 * it runs in any image. Usage: probe NAME [ARG]...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int report(const char *name, long result) {
  if (result < 0) printf("%s errno %d\n", name, errno);
  else printf("%s ok\n", name);
  return 0;
}

/* The classic chroot escape: chroot into a subdirectory while holding a
 * descriptor of the old root, climb out with it, chroot there. Prints the
 * first line of /etc/hostname of wherever it lands. */
static int chroot_escape(void) {
  int outside = open("/", O_RDONLY | O_DIRECTORY);
  mkdir("/tmp/jail", 0755);
  if (chroot("/tmp/jail") < 0) return report("chroot", -1);
  if (fchdir(outside) < 0) return report("fchdir", -1);
  for (int i = 0; i < 64; i++) chdir("..");
  if (chroot(".") < 0) return report("chroot-escape", -1);
  char line[256] = "";
  FILE *file = fopen("/etc/hostname", "r");
  if (file && fgets(line, sizeof line, file)) line[strcspn(line, "\n")] = 0;
  printf("chroot-escape landed-on %s\n", line);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *name = argv[1];
  if (!strcmp(name, "add_key"))
    return report(name, syscall(SYS_add_key, "user", "berth", "x", 1, -2 /* session */));
  if (!strcmp(name, "keyctl"))
    return report(name, syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 1));
  if (!strcmp(name, "request_key"))
    return report(name, syscall(SYS_request_key, "user", "berth", NULL, 0));
  if (!strcmp(name, "bpf")) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    return report(name, syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
  }
  if (!strcmp(name, "userfaultfd")) return report(name, syscall(SYS_userfaultfd, 0));
  if (!strcmp(name, "perf_event_open")) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    return report(name, syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
  }
  if (!strcmp(name, "kexec_load")) return report(name, syscall(SYS_kexec_load, 0, 0, NULL, 0));
  if (!strcmp(name, "init_module")) return report(name, syscall(SYS_init_module, "", 0, ""));
  if (!strcmp(name, "open_by_handle_at")) {
    char buffer[sizeof(struct file_handle) + 8];
    struct file_handle *handle = (struct file_handle *)buffer;
    memset(buffer, 0, sizeof buffer);
    handle->handle_bytes = 8;
    return report(name, syscall(SYS_open_by_handle_at, AT_FDCWD, handle, O_RDONLY));
  }
  if (!strcmp(name, "io_uring_setup")) {
    char params[120];
    memset(params, 0, sizeof params);
    return report(name, syscall(425 /* io_uring_setup */, 1, params));
  }
  if (!strcmp(name, "clone-newuser")) {
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, NULL, 0);
    return report(name, pid);
  }
  if (!strcmp(name, "setns-host"))
    return report(name, setns(open("/proc/1/ns/mnt", O_RDONLY), CLONE_NEWNS));
  if (!strcmp(name, "socket-vsock")) return report(name, socket(AF_VSOCK, SOCK_STREAM, 0));
  if (!strcmp(name, "socket-raw")) return report(name, socket(AF_INET, SOCK_RAW, 1 /* ICMP */));
  if (!strcmp(name, "ptrace") && argc > 2)
    return report(name, ptrace(PTRACE_ATTACH, atoi(argv[2]), NULL, NULL));
  if (!strcmp(name, "mount-tmpfs")) return report(name, mount("none", "/tmp", "tmpfs", 0, ""));
  if (!strcmp(name, "chroot-escape")) return chroot_escape();
  fprintf(stderr, "unknown probe %s\n", name);
  return 2;
}
