/* The runtime's own work with no Node in it: per iteration, make the
 * container's cgroups, run the executor on the plan the library built for
 * this bundle (it waits for the container, as the library's run does), then
 * remove the cgroups. What the library path would cost if its TypeScript
 * took no time at all: the bound of this design on this host.
 *
 *   driver EXECUTOR PLAN ITERATIONS GAP_MS CGROUP_DIR...
 *
 * The cgroup dirs' parents exist (cpuset's with clone_children set, so a new
 * cgroup gets its cpus and mems as runts's would). Sleeps GAP_MS (untimed)
 * before each iteration; prints one wall time per line, in nanoseconds.
 * Built by bench/lifecycle/run.ts into its temp dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: driver EXECUTOR PLAN ITERATIONS GAP_MS CGROUP_DIR...\n");
    return 2;
  }
  static char plan[1 << 20];
  int pf = open(argv[2], O_RDONLY | O_CLOEXEC);
  ssize_t len = pf < 0 ? -1 : read(pf, plan, sizeof plan);
  if (len <= 0) {
    perror(argv[2]);
    return 1;
  }
  close(pf);
  int n = atoi(argv[3]), gap_ms = atoi(argv[4]);
  char **dirs = argv + 5;
  int ndirs = argc - 5;
  for (int i = 0; i < n; i++) {
    if (gap_ms > 0) usleep(gap_ms * 1000);
    long long t0 = now_ns();
    for (int d = 0; d < ndirs; d++)
      if (mkdir(dirs[d], 0755) < 0) {
        perror(dirs[d]);
        return 1;
      }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || write(sv[0], plan, (size_t)len) != len) {
      perror("plan");
      return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      dup2(sv[1], 3);
      execl(argv[1], "runts-executor", "3", (char *)NULL);
      _exit(127);
    }
    close(sv[1]);
    int st;
    waitpid(pid, &st, 0);
    close(sv[0]);
    /* The init's exit may still be settling in the kernel: EBUSY is retried. */
    for (int d = ndirs - 1; d >= 0; d--)
      for (int tries = 0; rmdir(dirs[d]) < 0 && errno == EBUSY && tries < 10000; tries++) usleep(100);
    long long t1 = now_ns();
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "iteration %d: executor status 0x%x\n", i, st);
      return 1;
    }
    printf("%lld\n", t1 - t0);
  }
  return 0;
}
