/* Makes one system call by number and prints "<return> <errno>", for the
 * seccomp tests inside containers (busybox cannot make an arbitrary call).
 *   syscall-nr [-32] [-trap] NR [ARG...]
 * -32 makes it through int $0x80, the i386 entry (AUDIT_ARCH_I386 in
 * seccomp_data) of a 64-bit process; -trap catches SIGSYS and prints "SIGSYS
 * <syscall>" (SCMP_ACT_TRAP), where a kill would end the process. Arguments
 * are decimal or 0x hex. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void on_sigsys(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char buf[64];
  int n = snprintf(buf, sizeof buf, "SIGSYS %d\n", info->si_syscall);
  write(1, buf, (size_t)n);
  _exit(0);
}

/* The i386 entry takes up to six arguments in ebx..ebp; five are enough here. */
static long int80(long nr, long a, long b, long c, long d, long e) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                   : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
  return ret;
#else
  (void)nr, (void)a, (void)b, (void)c, (void)d, (void)e;
  return -ENOSYS;
#endif
}

int main(int argc, char **argv) {
  int i = 1, compat = 0;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "-32") == 0) compat = 1;
    else if (strcmp(argv[i], "-trap") == 0) {
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_sigaction = on_sigsys;
      sa.sa_flags = SA_SIGINFO;
      sigaction(SIGSYS, &sa, NULL);
    }
  }
  if (i >= argc) {
    fprintf(stderr, "usage: syscall-nr [-32] [-trap] NR [ARG...]\n");
    return 2;
  }
  long nr = strtol(argv[i++], NULL, 0);
  unsigned long a[6] = {0};
  for (int k = 0; k < 6 && i < argc; k++, i++) a[k] = strtoul(argv[i], NULL, 0);
  long ret;
  int err = 0;
  if (compat) {
    ret = int80(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4]);
    if (ret < 0 && ret > -4096) err = (int)-ret, ret = -1;
  } else {
    errno = 0;
    ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (ret == -1) err = errno;
  }
  printf("%ld %d\n", ret, err);
  return 0;
}
