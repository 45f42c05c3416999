/* OP_LSM_EXEC: the label the next execve gives the process (AppArmor's
 * "exec <profile>", SELinux's context), written to this thread's attr file.
 * The container's /proc could be anything by now (a hook or the image may
 * have put a mount over it, CVE-2025-52881): the file is opened through the
 * verified procfs handle (procfs.c), or the step fails. */
#include "lsm.h"
#include "procfs.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define ARG(i) (s->argv[i].data)

/* Step: value, then attr files under /proc/thread-self to try in turn while one does not exist. */
void lsm_exec(int i, const struct step *s) {
  char path[256];
  int fd = -1;
  for (uint32_t k = 1; k < s->argc && fd < 0; k++) {
    snprintf(path, sizeof path, "/proc/thread-self/%s", ARG(k));
    fd = procfs_open(path, O_WRONLY);
    if (fd < 0 && errno != ENOENT) die_step(i, s->op, errno, "open %s", path);
  }
  if (fd < 0) die_step(i, s->op, ENOENT, "no %s to write \"%s\" to", ARG(1), ARG(0));
  if (write(fd, ARG(0), s->argv[0].len) != (ssize_t)s->argv[0].len) die_step(i, s->op, errno, "write \"%s\" to %s", ARG(0), path);
  close(fd);
}
