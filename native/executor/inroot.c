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

/* The rootfs stays open from one step to the next (a plan resolves dozens of
 * paths in it; every system call counts at container start). The fd names the
 * mount that was on top when it was opened: inroot_forget() drops it whenever
 * a step mounts on the rootfs itself. */
static char root_path[4096];
static int root_fd = -1;

static int open_root(const char *rootfs) {
  if (root_fd >= 0 && strcmp(root_path, rootfs) == 0) return root_fd;
  inroot_forget();
  if (strlen(rootfs) >= sizeof root_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd >= 0) strcpy(root_path, rootfs);
  return root_fd;
}

int inroot_root_fd(const char *rootfs) {
  return open_root(rootfs);
}

void inroot_forget(void) {
  if (root_fd >= 0) close(root_fd);
  root_fd = -1;
  root_path[0] = 0;
}

int inroot_is_root(const char *path) {
  for (const char *p = path; *p;) {
    while (*p == '/') p++;
    size_t n = strcspn(p, "/");
    if (n && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    p += n;
  }
  return 1;
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
  return openat_in_root(rootfd, path, flags);
}

/* Walks path inside the root one component at a time: symlinks are read and
 * followed within the root, ".." is clamped at it, and missing directories are
 * created when mkdirs (all of them, or all but the last unless last_too).
 * Writes the resolved path, free of symlinks, to out. */
static int resolve_in_root(int rootfd, const char *path, int mkdirs, int last_too, mode_t mode, char *out,
                           size_t outlen) {
  char rest[8192], tmp[8192], cur[4096] = "";
  int links = 0;
  if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest) goto toolong;
  char *p = rest;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    size_t n = strcspn(p, "/");
    char comp[256];
    if (n >= sizeof comp) goto toolong;
    memcpy(comp, p, n);
    comp[n] = 0;
    p += n;
    while (*p == '/') p++;
    int last = *p == 0;
    if (strcmp(comp, ".") == 0) continue;
    if (strcmp(comp, "..") == 0) {
      char *slash = strrchr(cur, '/');
      if (slash) *slash = 0;
      else cur[0] = 0;
      continue;
    }
    int dirfd = openat_in_root(rootfd, cur, O_PATH | O_DIRECTORY);
    if (dirfd < 0) return -1;
    struct stat st;
    int rc = fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW);
    if (rc == 0 && S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t len = readlinkat(dirfd, comp, target, sizeof target - 1);
      close(dirfd);
      if (len < 0) return -1;
      target[len] = 0;
      if (++links > 40) {
        errno = ELOOP;
        return -1;
      }
      if (target[0] == '/') cur[0] = 0;
      if (snprintf(tmp, sizeof tmp, "%s/%s", target, p) >= (int)sizeof tmp) goto toolong;
      memcpy(rest, tmp, sizeof rest);
      p = rest;
      continue;
    }
    if (rc < 0 && errno == ENOENT && mkdirs && (!last || last_too)) {
      if (mkdirat(dirfd, comp, mode) < 0 && errno != EEXIST) rc = -1;
      else rc = 0;
    } else if (rc < 0 && errno == ENOENT) {
      rc = 0; /* a missing final (or, without mkdirs, any) component is the caller's to handle */
    }
    int saved = errno;
    close(dirfd);
    if (rc < 0) {
      errno = saved;
      return -1;
    }
    size_t used = strlen(cur);
    if (used + n + 2 > sizeof cur) goto toolong;
    snprintf(cur + used, sizeof cur - used, "%s%s", used ? "/" : "", comp);
  }
  if (snprintf(out, outlen, "%s", cur) >= (int)outlen) goto toolong;
  return 0;
toolong:
  errno = ENAMETOOLONG;
  return -1;
}

/* Splits path into its parent and last component; 0 if there is no last component. */
static int split_last(const char *path, char *parent, size_t plen, char *name, size_t nlen) {
  size_t end = strlen(path);
  while (end > 0 && path[end - 1] == '/') end--;
  size_t start = end;
  while (start > 0 && path[start - 1] != '/') start--;
  if (end == start || end - start >= nlen || start >= plen) return 0;
  memcpy(name, path + start, end - start);
  name[end - start] = 0;
  memcpy(parent, path, start);
  parent[start] = 0;
  return 1;
}

static int is_dot(const char *name) {
  return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* mkdir -p from the deepest existing ancestor down: a lookup of each missing
 * parent and one mkdirat per directory. Anything unusual (a symlink in the
 * way, "." or ".." last) fails here and goes to the walk. */
static int mkdir_fast(int rootfd, const char *path, mode_t mode, int depth) {
  char parent[4096], last[256];
  if (depth > 64 || !split_last(path, parent, sizeof parent, last, sizeof last) || is_dot(last)) {
    errno = EINVAL;
    return -1;
  }
  int dirfd = openat_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
  if (dirfd < 0 && errno == ENOENT && mkdir_fast(rootfd, parent, mode, depth + 1) == 0)
    dirfd = openat_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
  if (dirfd < 0) return -1;
  int rc = mkdirat(dirfd, last, mode);
  int saved = errno;
  close(dirfd);
  errno = saved;
  return rc;
}

static int mkdir_all_in(int rootfd, const char *path, mode_t mode) {
  /* Usually it is there already: one lookup. */
  int fd = openat_in_root(rootfd, path, O_PATH);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  if (errno == ENOENT && mkdir_fast(rootfd, path, mode, 0) == 0) return 0;
  char resolved[4096];
  return resolve_in_root(rootfd, path, 1, 1, mode, resolved, sizeof resolved);
}

int inroot_mkdir_all(const char *rootfs, const char *path, mode_t mode) {
  int rootfd = open_root(rootfs);
  if (rootfd < 0) return -1;
  return mkdir_all_in(rootfd, path, mode);
}

/* Runs fn in the (created) parent directory of path, unless path exists. */
static int create_in_root(const char *rootfs, const char *path, int (*fn)(int, const char *, const void *),
                          const void *arg) {
  int rootfd = open_root(rootfs);
  if (rootfd < 0) return -1;
  /* The parent usually exists: open it and let fn's own EEXIST tell whether
   * path does, three system calls where the walk below costs a dozen. */
  char parent[4096], last[256];
  if (split_last(path, parent, sizeof parent, last, sizeof last) && !is_dot(last)) {
    int dirfd = openat_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
    if (dirfd < 0 && errno == ENOENT && mkdir_all_in(rootfd, parent, 0755) == 0)
      dirfd = openat_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
    if (dirfd >= 0) {
      int rc = fn(dirfd, last, arg);
      int saved = errno;
      close(dirfd);
      errno = saved;
      return rc;
    }
  }
  char resolved[4096];
  int rc = resolve_in_root(rootfd, path, 1, 0, 0755, resolved, sizeof resolved);
  int saved = errno;
  if (rc == 0) {
    char name[256];
    char *slash = strrchr(resolved, '/');
    const char *base = slash ? slash + 1 : resolved;
    if (strlen(base) >= sizeof name) base = "";
    memcpy(name, base, strlen(base) + 1);
    if (slash) *slash = 0;
    else resolved[0] = 0;
    int dirfd = openat_in_root(rootfd, resolved, O_PATH | O_DIRECTORY);
    struct stat st;
    if (dirfd < 0 || !*name) rc = -1, saved = dirfd < 0 ? errno : EINVAL;
    else if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) rc = -1, saved = EEXIST;
    else {
      rc = fn(dirfd, name, arg);
      saved = errno;
    }
    if (dirfd >= 0) close(dirfd);
  }
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
  /* The spec's mode is exact, and mknod honours the umask: lifting it for the
   * call gives the node its mode as it is made. A chmod by name afterwards
   * would follow a symlink swapped in meanwhile (fchmodat cannot refuse one
   * before Linux 6.6). */
  mode_t umask_was = umask(0);
  int rc = mknodat(dirfd, name, a->mode, a->dev);
  int saved = errno;
  umask(umask_was);
  errno = saved;
  if (rc < 0) return -1;
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
