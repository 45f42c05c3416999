/* The verified procfs handle (procfs.h). As runc's pathrs-lite: never a path
 * through /proc taken on trust, since the container's /proc is a tree the
 * container (or a process racing with the runtime in a shared mount
 * namespace) can mount over. */
#include "procfs.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_ROOT_INO 1

static int proc_root = -1;

void procfs_forget(void) {
  if (proc_root >= 0) close(proc_root);
  proc_root = -1;
}

static int is_procfs(int fd) {
  struct statfs sfs;
  return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* /proc, checked to be a procfs mount's root: a bind of one of its
 * directories, a tmpfs dressed as procfs or a symlink do not pass. */
static int root(void) {
  if (proc_root >= 0) return proc_root;
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/proc", &how, sizeof how);
  if (fd < 0) return -1;
  struct statx stx;
  if (!is_procfs(fd) || statx(fd, "", AT_EMPTY_PATH, STATX_INO, &stx) < 0 || stx.stx_ino != PROC_ROOT_INO ||
      ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))) {
    close(fd);
    errno = EXDEV;
    return -1;
  }
  proc_root = fd;
  return fd;
}

/* "self" and "thread-self" are symlinks, which the lookup below refuses: they
 * are read here (what this procfs calls the caller) and checked to be the
 * plain "<pid>" or "<pid>/task/<tid>" they always are. */
static int caller_dir(int rootfd, const char *name, char *out, size_t len) {
  ssize_t n = readlinkat(rootfd, name, out, len - 1);
  if (n <= 0) return -1;
  out[n] = 0;
  for (char *p = out; *p; p++)
    if (!((*p >= '0' && *p <= '9') || *p == '/' || (*p >= 'a' && *p <= 'z'))) goto bad;
  unsigned pid, tid;
  int used = 0;
  if (sscanf(out, "%u%n", &pid, &used) == 1 && !out[used]) return 0;
  if (sscanf(out, "%u/task/%u%n", &pid, &tid, &used) == 2 && !out[used]) return 0;
bad:
  errno = EXDEV;
  return -1;
}

int procfs_open(const char *path, int flags) {
  if (strncmp(path, "/proc/", 6) != 0) {
    errno = EINVAL;
    return -1;
  }
  const char *rel = path + 6;
  int rootfd = root();
  if (rootfd < 0) return -1;
  char resolved[4096];
  size_t self = strncmp(rel, "self", 4) == 0 && (rel[4] == '/' || !rel[4]) ? 4
                : strncmp(rel, "thread-self", 11) == 0 && (rel[11] == '/' || !rel[11]) ? 11 : 0;
  if (self) {
    char name[12], dir[64];
    memcpy(name, rel, self);
    name[self] = 0;
    if (caller_dir(rootfd, name, dir, sizeof dir) < 0) return -1;
    if (snprintf(resolved, sizeof resolved, "%s%s", dir, rel + self) >= (int)sizeof resolved) {
      errno = ENAMETOOLONG;
      return -1;
    }
    rel = resolved;
  }
  struct open_how how = {.flags = (unsigned long long)flags | O_CLOEXEC | O_NOFOLLOW,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
  int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
  if (fd < 0) return -1;
  if (!is_procfs(fd)) {
    close(fd);
    errno = EXDEV;
    return -1;
  }
  return fd;
}

int procfs_write(pid_t pid, const char *file, const char *data, size_t len) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  int fd = procfs_open(path, O_WRONLY);
  if (fd < 0) return -1;
  int rc = write_full(fd, data, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}
