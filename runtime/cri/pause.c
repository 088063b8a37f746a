/*
 * berth-pause: the process that holds a pod sandbox's namespaces, as
 * Kubernetes' pause does. It sleeps until SIGTERM or SIGINT (then exits 0)
 * and, as the pid 1 of a pod that shares its PID namespace, reaps every
 * orphan that is reparented to it. Built static (scripts/build.sh): the
 * sandbox's root filesystem is empty.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int signal) {
  (void)signal;
  _exit(0);
}

static void reap(int signal) {
  (void)signal;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction on_quit = {.sa_handler = quit};
  struct sigaction on_child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
  sigaction(SIGTERM, &on_quit, NULL);
  sigaction(SIGINT, &on_quit, NULL);
  sigaction(SIGCHLD, &on_child, NULL);
  for (;;) pause();
  return 0;
}
