/* Paths inside the container's root, resolved by the kernel with
 * RESOLVE_IN_ROOT so that symlinks and ".." can never leave the rootfs. */
#include "inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int open_root(const char *rootfs) {
  return open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int openat_in_root(int rootfd, const char *rel, int flags) {
  struct open_how how = {.flags = (unsigned long long)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
  return fd;
}

int inroot_open(const char *rootfs, const char *path, int flags) {
  int rootfd = open_root(rootfs);
  if (rootfd < 0) return -1;
  int fd = openat_in_root(rootfd, path, flags);
  int saved = errno;
  close(rootfd);
  errno = saved;
  return fd;
}

/* Creates every missing directory of path; returns an O_PATH fd of the last. */
static int mkdir_all_at(int rootfd, const char *path, mode_t mode) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buf, path, len + 1);
  int parent = dup(rootfd);
  char *p = buf;
  while (*p == '/') p++;
  while (*p) {
    char *end = strchr(p, '/');
    if (end) *end = 0;
    int fd = openat_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) {
      /* The parent fd was resolved in-root; create the last component under it. */
      if (mkdirat(parent, p, mode) < 0 && errno != EEXIST) {
        close(parent);
        return -1;
      }
      fd = openat_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
    }
    if (fd < 0) {
      int saved = errno;
      close(parent);
      errno = saved;
      return -1;
    }
    close(parent);
    parent = fd;
    if (!end) break;
    *end = '/';
    p = end + 1;
    while (*p == '/') p++;
  }
  return parent;
}

int inroot_mkdir_all(const char *rootfs, const char *path, mode_t mode) {
  int rootfd = open_root(rootfs);
  if (rootfd < 0) return -1;
  int fd = mkdir_all_at(rootfd, path, mode);
  int saved = errno;
  close(rootfd);
  if (fd < 0) {
    errno = saved;
    return -1;
  }
  close(fd);
  return 0;
}

/* Splits path into its parent (created) and final name; returns the parent fd. */
static int parent_of(int rootfd, const char *path, char *name, size_t namelen) {
  char dir[4096];
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--;
  if (len >= sizeof dir) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(dir, path, len);
  dir[len] = 0;
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : dir;
  if (strlen(base) >= namelen || !*base) {
    errno = EINVAL;
    return -1;
  }
  strcpy(name, base);
  if (slash) *slash = 0;
  else dir[0] = 0;
  return mkdir_all_at(rootfd, dir, 0755);
}

/* Runs fn on the parent directory fd of path, unless path already exists. */
static int create_in_root(const char *rootfs, const char *path, int (*fn)(int, const char *, const void *),
                          const void *arg) {
  int rootfd = open_root(rootfs);
  if (rootfd < 0) return -1;
  int existing = openat_in_root(rootfd, path, O_PATH);
  if (existing >= 0) {
    close(existing);
    close(rootfd);
    errno = EEXIST;
    return -1;
  }
  char name[256];
  int parent = parent_of(rootfd, path, name, sizeof name);
  int rc = -1, saved;
  if (parent >= 0) {
    /* O_PATH fds cannot be used for creation: reopen the directory itself. */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", parent);
    int dirfd = open(proc, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (dirfd >= 0) {
      rc = fn(dirfd, name, arg);
      saved = errno;
      close(dirfd);
      errno = saved;
    }
    saved = errno;
    close(parent);
    errno = saved;
  }
  saved = errno;
  close(rootfd);
  errno = saved;
  return rc;
}

static int do_mkfile(int dirfd, const char *name, const void *arg) {
  int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, *(const mode_t *)arg);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

int inroot_mkfile(const char *rootfs, const char *path, mode_t mode) {
  int rc = create_in_root(rootfs, path, do_mkfile, &mode);
  return rc < 0 && errno == EEXIST ? 0 : rc;
}

struct node_args {
  mode_t mode;
  dev_t dev;
  uid_t uid;
  gid_t gid;
};

static int do_mknod(int dirfd, const char *name, const void *arg) {
  const struct node_args *a = arg;
  if (mknodat(dirfd, name, a->mode, a->dev) < 0) return -1;
  /* mknod honours the umask; the spec's mode is exact. */
  if (fchmodat(dirfd, name, a->mode & 07777, 0) < 0) return -1;
  return fchownat(dirfd, name, a->uid, a->gid, AT_SYMLINK_NOFOLLOW);
}

int inroot_mknod(const char *rootfs, const char *path, mode_t mode, unsigned major, unsigned minor, uid_t uid,
                 gid_t gid) {
  struct node_args a = {mode, makedev(major, minor), uid, gid};
  return create_in_root(rootfs, path, do_mknod, &a);
}

static int do_symlink(int dirfd, const char *name, const void *arg) {
  return symlinkat((const char *)arg, dirfd, name);
}

int inroot_symlink(const char *rootfs, const char *target, const char *path) {
  return create_in_root(rootfs, path, do_symlink, target);
}
