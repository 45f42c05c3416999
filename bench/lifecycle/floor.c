/* The floor of a container start: clone() into new pid, mount, uts, ipc and
 * net namespaces, execve() the rootfs's busybox `true`, waitpid(). No
 * mounts, no pivot_root, no state: what no runtime can beat. With cgroup.procs
 * files, the child is also placed in those cgroups before it execs (what every
 * runtime must do, and what the kernel may make slow: see bench/README.md).
 *
 *   floor ROOTFS ITERATIONS GAP_MS [CGROUP_PROCS...]
 *
 * Sleeps GAP_MS (untimed) before each iteration; prints one wall time per
 * line, in nanoseconds. Built by bench/lifecycle/run.ts into its temp dir. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char stack[64 * 1024] __attribute__((aligned(16)));
static char path[4096];
static int gate[2] = {-1, -1};

static int child(void *arg) {
  (void)arg;
  if (gate[0] >= 0) {
    /* Wait until the parent has placed us in the cgroups (EOF). */
    char c;
    close(gate[1]);
    while (read(gate[0], &c, 1) > 0) {
    }
  }
  char *argv[] = {"true", NULL};
  char *envp[] = {"PATH=/bin", NULL};
  execve(path, argv, envp);
  _exit(127);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: floor ROOTFS ITERATIONS GAP_MS [CGROUP_PROCS...]\n");
    return 2;
  }
  snprintf(path, sizeof path, "%s/bin/busybox", argv[1]);
  int n = atoi(argv[2]);
  int gap_ms = atoi(argv[3]);
  int ncg = argc - 4;
  char **procs = argv + 4;
  const int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD;
  for (int i = 0; i < n; i++) {
    if (gap_ms > 0) usleep(gap_ms * 1000);
    long long t0 = now_ns();
    if (ncg > 0 && pipe2(gate, O_CLOEXEC) < 0) {
      perror("pipe2");
      return 1;
    }
    pid_t pid = clone(child, stack + sizeof stack, flags, NULL);
    if (pid < 0) {
      perror("clone");
      return 1;
    }
    if (ncg > 0) {
      char buf[32];
      int len = snprintf(buf, sizeof buf, "%d", pid);
      close(gate[0]);
      for (int k = 0; k < ncg; k++) {
        int fd = open(procs[k], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, len) != len) {
          perror(procs[k]);
          kill(pid, SIGKILL);
          return 1;
        }
        close(fd);
      }
      close(gate[1]);
      gate[0] = gate[1] = -1;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) {
      perror("waitpid");
      return 1;
    }
    long long t1 = now_ns();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "floor: child status 0x%x\n", status);
      return 1;
    }
    printf("%lld\n", t1 - t0);
  }
  return 0;
}
