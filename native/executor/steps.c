/* The container init: carries out the plan's steps one by one. Every
 * decision was made by the runtime; a step either does its one thing or
 * reports which step failed and why. */
#include "executor.h"
#include "idmap.h"
#include "inroot.h"
#include "lsm.h"
#include "procattr.h"
#include "procfs.h"
#include "report.h"
#include "terminal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARG(i) (s->argv[i].data)

/* Attaches a detached tree (an open_tree clone; -1 passes its error on) onto
 * the target fd, and closes it. errno is the failure's. */
static int attach_tree(int tree, int target) {
  if (tree < 0) return -1;
  int rc = move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int saved = errno;
  close(tree);
  errno = saved;
  return rc;
}

/* A mount onto an fd, never onto a path looked up again (nor onto
 * /proc/self/fd/N, which goes through a /proc that can be mounted over): a
 * plain bind is a clone of its source attached there with move_mount (a file
 * may be its target); anything else is mounted on "." with the fd as the
 * working directory. The
 * working directory is then home (the rootfs, as runc's init works from it;
 * or "/" when home is -1): the one it had, the state directory, is not one a
 * container's root mapped to another user may enter again. */
static int mount_on_fd(const char *src, int target, const char *type, unsigned long flags, const char *data, int home) {
  if ((flags & MS_BIND) && !(flags & ~(unsigned long)(MS_BIND | MS_REC)))
    return attach_tree(open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (flags & MS_REC ? AT_RECURSIVE : 0)), target);
  int rc = fchdir(target) < 0 ? -1 : mount(src, ".", type, flags, data);
  int saved = errno;
  if ((home >= 0 ? fchdir(home) : chdir("/")) < 0) saved = errno, rc = -1;
  errno = saved;
  return rc;
}

/* Mount targets in the rootfs are given as "rootfs\0path" pairs: the flag
 * argument names the rootfs, or "0" for an absolute path. */
static void step_mount(int i, const struct step *s) {
  const char *src = s->argv[0].len ? ARG(0) : NULL;
  const char *type = s->argv[2].len ? ARG(2) : NULL;
  const char *data = s->argv[4].len ? ARG(4) : NULL;
  unsigned long flags = (unsigned long)arg_unum(s, 3);
  int inroot = strcmp(ARG(5), "0") != 0;
  int rc;
  if (inroot) {
    int fd = inroot_open(ARG(5), ARG(1), O_PATH);
    if (fd < 0) die_step(i, s->op, errno, "resolve %s in %s", ARG(1), ARG(5));
    rc = mount_on_fd(src, fd, type, flags, data, inroot_root_fd(ARG(5)));
    int saved = errno;
    close(fd);
    errno = saved;
  } else {
    rc = mount(src, ARG(1), type, flags, data);
  }
  if (rc < 0)
    die_step(i, s->op, errno, "mount %s on %s type %s flags %s data %s", src ? src : "none", ARG(1),
             type ? type : "none", ARG(3), data ? data : "");
  if (!inroot || inroot_is_root(ARG(1))) inroot_forget();
}

/* A mount made detached (open_tree, fsmount) is kept here, by fd, for the
 * steps that change and attach it: it is never looked up again by name, so a
 * rename between steps cannot send them elsewhere. */
static int kept_mount = -1;

static void keep_mount(int fd) {
  if (kept_mount >= 0) close(kept_mount);
  kept_mount = fd;
}

static void step_open_tree(int i, const struct step *s) {
  int fd = open_tree(AT_FDCWD, ARG(0), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (arg_num(s, 1) ? AT_RECURSIVE : 0));
  if (fd < 0) die_step(i, s->op, errno, "bind %s", ARG(0));
  keep_mount(fd);
}

/* fsopen + one fsconfig per "key" or "key=value" option + fsmount. The
 * filesystem's own words, if it gave any, go into the error. */
static void step_fsmount(int i, const struct step *s) {
  int fs = fsopen(ARG(0), FSOPEN_CLOEXEC);
  if (fs < 0) die_step(i, s->op, errno, "fsopen %s", ARG(0));
  const char *failed = NULL;
  char key[256];
  for (uint32_t k = 2; k < s->argc && !failed; k++) {
    const char *eq = strchr(ARG(k), '=');
    size_t n = eq ? (size_t)(eq - ARG(k)) : s->argv[k].len;
    if (n >= sizeof key) {
      errno = ENAMETOOLONG;
      failed = ARG(k);
      break;
    }
    memcpy(key, ARG(k), n);
    key[n] = 0;
    int rc = eq ? fsconfig(fs, FSCONFIG_SET_STRING, key, eq + 1, 0) : fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0);
    if (rc < 0) failed = ARG(k);
  }
  if (!failed && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) failed = "create";
  int fd = failed ? -1 : fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)arg_unum(s, 1));
  if (fd < 0) {
    int saved = errno;
    char log[512] = "";
    ssize_t n = read(fs, log, sizeof log - 1);
    log[n > 0 ? n : 0] = 0;
    die_step(i, s->op, saved, "mount %s: %s %s", ARG(0), failed ? failed : "fsmount", log);
  }
  close(fs);
  keep_mount(fd);
}

static void step_mount_setattr(int i, const struct step *s) {
  struct mount_attr attr = {arg_unum(s, 0), arg_unum(s, 1), arg_unum(s, 2), 0};
  unsigned flags = AT_EMPTY_PATH | (arg_num(s, 3) ? AT_RECURSIVE : 0);
  if (mount_setattr(kept_mount, "", flags, &attr, sizeof attr) < 0)
    die_step(i, s->op, errno, "mount_setattr set %s clear %s propagation %s", ARG(0), ARG(1), ARG(2));
}

/* Attaches the kept mount at target (rootfs, path) and keeps its fd: a later
 * step may still change it. */
static void step_move_mount(int i, const struct step *s) {
  int target = inroot_open(ARG(1), ARG(0), O_PATH);
  if (target < 0) die_step(i, s->op, errno, "resolve %s in %s", ARG(0), ARG(1));
  if (move_mount(kept_mount, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    die_step(i, s->op, errno, "mount on %s", ARG(0));
  close(target);
  if (inroot_is_root(ARG(0))) inroot_forget();
}

/* Keeps the flags a remount must repeat (the kernel refuses to clear locked ones). */
static unsigned long mount_flags_of(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) < 0) return 0;
  unsigned long keep = ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME;
  return st.f_flag & keep;
}

static void step_remount_ro(int i, const struct step *s, const char *path) {
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | mount_flags_of(path);
  if (mount(NULL, path, NULL, flags, NULL) < 0) die_step(i, s->op, errno, "remount %s read-only", path);
}

/* The container's /dev/null, opened once and checked to be the null device:
 * a hook or the image may have put a symlink or another file in its place,
 * which would otherwise be bound over every masked path. */
static int null_fd = -1;

static int open_null(void) {
  if (null_fd >= 0) return 0;
  int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) return -1;
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
    close(fd);
    errno = ENODEV;
    return -1;
  }
  null_fd = fd;
  return 0;
}

/* Binds a clone of what fd names onto target, both named by fd: nothing is
 * looked up again by name. */
static int bind_fd(int from, int target) {
  return attach_tree(open_tree(from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH), target);
}

/* The masked path is not followed if it is a symlink: the link itself is covered. */
static void step_mask(int i, const struct step *s) {
  int target = open(ARG(0), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (target < 0) {
    if (errno == ENOENT) return;
    die_step(i, s->op, errno, "open %s", ARG(0));
  }
  if (fstat(target, &st) < 0) die_step(i, s->op, errno, "stat %s", ARG(0));
  int rc;
  if (S_ISDIR(st.st_mode)) {
    rc = mount_on_fd("tmpfs", target, "tmpfs", MS_RDONLY, NULL, -1);
  } else {
    if (open_null() < 0)
      die_step(i, s->op, errno, "mask %s: /dev/null is not the null device (character device 1:3)", ARG(0));
    rc = bind_fd(null_fd, target);
  }
  if (rc < 0) die_step(i, s->op, errno, "mask %s", ARG(0));
  close(target);
}

/* A recursive bind of the path onto itself, made read-only before it is
 * attached: the path is resolved once. Flags the kernel locks are kept, as
 * mount_setattr changes only the read-only one. */
static void step_readonly(int i, const struct step *s) {
  int target = open(ARG(0), O_PATH | O_CLOEXEC);
  if (target < 0) {
    if (errno == ENOENT) return;
    die_step(i, s->op, errno, "open %s", ARG(0));
  }
  int tree = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  struct mount_attr attr = {MOUNT_ATTR_RDONLY, 0, 0, 0};
  if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 ||
      move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    die_step(i, s->op, errno, "bind %s read-only", ARG(0));
  close(tree);
  close(target);
}

static void step_pivot_root(int i, const struct step *s) {
  inroot_forget();
  procfs_forget();
  int newroot = open(ARG(0), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0 || oldroot < 0) die_step(i, s->op, errno, "open %s", ARG(0));
  /* pivot_root(".", ".") stacks the old root under the new one; detaching it
   * then leaves only the new root, with no directory to put the old one in. */
  if (fchdir(newroot) < 0) die_step(i, s->op, errno, "chdir %s", ARG(0));
  if (syscall(SYS_pivot_root, ".", ".") < 0) die_step(i, s->op, errno, "pivot_root %s", ARG(0));
  if (fchdir(oldroot) < 0) die_step(i, s->op, errno, "chdir old root");
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) die_step(i, s->op, errno, "make old root rslave");
  if (umount2(".", MNT_DETACH) < 0) die_step(i, s->op, errno, "detach old root");
  if (chdir("/") < 0) die_step(i, s->op, errno, "chdir /");
  close(newroot);
  close(oldroot);
}

static void step_chroot(int i, const struct step *s) {
  inroot_forget();
  procfs_forget();
  if (chdir(ARG(0)) < 0) die_step(i, s->op, errno, "chdir %s", ARG(0));
  if (mount(ARG(0), "/", NULL, MS_MOVE, NULL) < 0) die_step(i, s->op, errno, "move %s to /", ARG(0));
  if (chroot(".") < 0) die_step(i, s->op, errno, "chroot %s", ARG(0));
  if (chdir("/") < 0) die_step(i, s->op, errno, "chdir /");
}

/* Writes under /proc (sysctls, the process's own settings) go through the
 * verified procfs handle: a mount over the file must not send them elsewhere. */
static void step_write_file(int i, const struct step *s) {
  int fd = strncmp(ARG(0), "/proc/", 6) == 0 ? procfs_open(ARG(0), O_WRONLY | O_TRUNC)
                                              : open(ARG(0), O_WRONLY | O_CLOEXEC | O_TRUNC | O_NOFOLLOW);
  if (fd < 0 || write_full(fd, ARG(1), s->argv[1].len) < 0) die_step(i, s->op, errno, "write %s", ARG(0));
  close(fd);
}

static void step_sync(int i, const struct step *s, struct ctx *ctx, int fd) {
  char line[256];
  if (fd != report_fd) report_fd = fd;
  report_line("SYNC %s", ARG(0));
  if (read_line(fd, line, sizeof line) < 0) die_step(i, s->op, EPIPE, "runtime went away at %s", ARG(0));
  if (strncmp(line, "OK ", 3) != 0) _exit(127); /* the runtime chose to fail; it knows why */
  size_t len = strtoul(line + 3, NULL, 10);
  free(ctx->hook_stdin);
  ctx->hook_stdin = malloc(len + 1);
  if (!ctx->hook_stdin) die_step(i, s->op, ENOMEM, "%zu bytes of reply at %s", len, ARG(0));
  ctx->hook_stdin_len = len;
  if (len && read_exact(fd, ctx->hook_stdin, len) < 0) die_step(i, s->op, EPIPE, "short reply at %s", ARG(0));
}

/* Hook: path, timeout_ms, argc, argv..., env... Output is kept for the error. */
static void step_hook(int i, const struct step *s, struct ctx *ctx) {
  uint32_t argc = (uint32_t)arg_unum(s, 2);
  if (argc > s->argc - 3) die_step(i, s->op, EINVAL, "hook %s: %u arguments, %u given", ARG(0), argc, s->argc - 3);
  char **argv = calloc(argc + 1, sizeof(char *));
  char **envp = calloc(s->argc - 3 - argc + 1, sizeof(char *));
  if (!argv || !envp) die_step(i, s->op, ENOMEM, "hook %s", ARG(0));
  for (uint32_t k = 0; k < argc; k++) argv[k] = (char *)ARG(3 + k);
  for (uint32_t k = 3 + argc; k < s->argc; k++) envp[k - 3 - argc] = (char *)ARG(k);
  int in = memfd_create("hook-stdin", MFD_CLOEXEC);
  int out = memfd_create("hook-output", MFD_CLOEXEC);
  if (in < 0 || out < 0 || write_full(in, ctx->hook_stdin ? ctx->hook_stdin : "", ctx->hook_stdin_len) < 0)
    die_step(i, s->op, errno, "prepare hook %s", ARG(0));
  lseek(in, 0, SEEK_SET);
  pid_t pid = fork();
  if (pid < 0) die_step(i, s->op, errno, "fork hook %s", ARG(0));
  if (pid == 0) {
    /* A process group of its own, so that a timeout kills what the hook started too. */
    setpgid(0, 0);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execve(ARG(0), argc ? argv : (char *[]){(char *)ARG(0), NULL}, envp);
    dprintf(2, "exec %s: %s", ARG(0), strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid); /* also here: the kill below may come before the child's own call */
  long long timeout = arg_num(s, 1);
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0) {
    struct pollfd p = {pidfd, POLLIN, 0};
    int rc;
    do rc = poll(&p, 1, timeout > 0 ? (int)timeout : -1);
    while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      kill(-pid, SIGKILL);
      waitpid(pid, NULL, 0);
      die_step(i, s->op, ETIMEDOUT, "hook %s timed out after %lld ms", ARG(0), timeout);
    }
    close(pidfd);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    char output[1024] = "";
    ssize_t n = pread(out, output, sizeof output - 1, 0);
    output[n > 0 ? n : 0] = 0;
    die_step(i, s->op, 0, "hook %s %s %d: %s", ARG(0), WIFEXITED(st) ? "exited with status" : "killed by signal",
             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), output);
  }
  close(in);
  close(out);
  free(argv);
  free(envp);
}

/* Binds the pty onto the console (dir/name, made as an empty file if
 * missing). The image or a hook may have put a symlink there, or on the way
 * (CVE-2025-52565): none is followed, and only a file or a character device
 * is covered. */
static void mount_console(int i, const struct step *s, int slave, const char *dir, const char *name) {
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS};
  int dirfd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how);
  if (dirfd < 0) die_step(i, s->op, errno, "open %s (symlinks refused)", dir);
  int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) die_step(i, s->op, errno, "open %s/%s", dir, name);
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
    die_step(i, s->op, EINVAL, "%s/%s is neither a file nor a character device (a symlink?)", dir, name);
  if (bind_fd(slave, fd) < 0) die_step(i, s->op, errno, "bind the pty on %s/%s", dir, name);
  close(fd);
  close(dirfd);
}

static void step_terminal(int i, const struct step *s, struct ctx *ctx) {
  int slave;
  int master = open_pty(&slave, (unsigned)arg_num(s, 0), (unsigned)arg_num(s, 1), (uid_t)arg_num(s, 2));
  if (master < 0) die_step(i, s->op, errno, "open pty");
  if (s->argc >= 5) mount_console(i, s, slave, ARG(3), ARG(4));
  if (setsid() < 0 && errno != EPERM) die_step(i, s->op, errno, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die_step(i, s->op, errno, "set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) die_step(i, s->op, errno, "dup pty to %d", fd);
  if (slave > 2) close(slave);
  if (ctx->console_fd < 0) die_step(i, s->op, EBADF, "no console socket");
  if (send_fd(ctx->console_fd, master, "/dev/ptmx") < 0) die_step(i, s->op, errno, "send pty master");
  close(master);
  close(ctx->console_fd);
  ctx->console_fd = -1;
}

static void step_cap_bound(int i, const struct step *s) {
  unsigned long long keep = arg_unum(s, 0);
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      die_step(i, s->op, errno, "drop capability %d", cap);
    }
  }
}

static void step_capset(int i, const struct step *s) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  unsigned long long e = arg_unum(s, 0), p = arg_unum(s, 1), in = arg_unum(s, 2);
  for (int k = 0; k < 2; k++) {
    data[k].effective = (uint32_t)(e >> (32 * k));
    data[k].permitted = (uint32_t)(p >> (32 * k));
    data[k].inheritable = (uint32_t)(in >> (32 * k));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) die_step(i, s->op, errno, "capset");
}

static void step_ambient(int i, const struct step *s) {
  unsigned long long mask = arg_unum(s, 0);
  for (int cap = 0; cap < 64; cap++)
    if ((mask & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      die_step(i, s->op, errno, "raise ambient capability %d", cap);
}

static void step_setgroups(int i, const struct step *s) {
  gid_t *gids = calloc(s->argc + 1, sizeof(gid_t));
  if (!gids) die_step(i, s->op, ENOMEM, "setgroups");
  for (uint32_t k = 0; k < s->argc; k++) gids[k] = (gid_t)arg_unum(s, k);
  if (setgroups(s->argc, gids) < 0) die_step(i, s->op, errno, "setgroups");
  free(gids);
}

/* With SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the listener: its
 * number is reported ("SECCOMP n") and the runtime takes it with
 * pidfd_getfd and hands it to the agent before answering, so it is closed
 * here only then. The filter already holds this process: the agent may be
 * the one to let the read of that answer through. */
static void step_seccomp(int i, const struct step *s) {
  struct sock_fprog prog = {(unsigned short)(s->argv[0].len / sizeof(struct sock_filter)),
                            (struct sock_filter *)ARG(0)};
  unsigned flags = (unsigned)arg_unum(s, 1);
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (fd < 0) die_step(i, s->op, errno, "load seccomp filter (flags 0x%x)", flags);
  if (!(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) return;
  char line[64];
  report_line("SECCOMP %ld", fd);
  if (read_line(report_fd, line, sizeof line) < 0) die_step(i, s->op, EPIPE, "runtime went away with the seccomp listener");
  if (strncmp(line, "OK", 2) != 0) _exit(127); /* the runtime chose to fail; it knows why */
  close((int)fd);
}

static int executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static void step_find_exec(int i, const struct step *s, struct ctx *ctx) {
  const char *name = ARG(0);
  if (strchr(name, '/')) {
    if (!executable(name)) die_step(i, s->op, errno ? errno : EACCES, "exec: %s: not an executable file", name);
    snprintf(ctx->exec_path, sizeof ctx->exec_path, "%s", name);
    return;
  }
  char *path = strdup(ARG(1));
  if (!path) die_step(i, s->op, ENOMEM, "exec: %s", name);
  for (char *dir = strtok(path, ":"); dir; dir = strtok(NULL, ":")) {
    snprintf(ctx->exec_path, sizeof ctx->exec_path, "%s/%s", *dir ? dir : ".", name);
    if (executable(ctx->exec_path)) {
      free(path);
      return;
    }
  }
  die_step(i, s->op, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* A cwd reached through a magic link (/proc/self/fd/N of a directory outside
 * the root) must not be where the process starts: the kernel's getcwd then
 * says "(unreachable)" rather than a path from "/", as runc checks. */
static void step_chdir(int i, const struct step *s) {
  char cwd[PATH_MAX];
  if (chdir(ARG(0)) < 0) die_step(i, s->op, errno, "chdir %s", ARG(0));
  if (syscall(SYS_getcwd, cwd, sizeof cwd) < 0) die_step(i, s->op, errno, "getcwd after chdir %s", ARG(0));
  if (cwd[0] != '/') die_step(i, s->op, EXDEV, "cwd %s is outside the container's root", ARG(0));
}

static void step_wait_start(int i, const struct step *s, struct ctx *ctx) {
  if (report_fd >= 0) close(report_fd);
  report_fd = -1;
  int conn;
  do conn = accept4(ctx->start_listen_fd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0) _exit(127);
  close(ctx->start_listen_fd);
  report_fd = conn;
  struct step sync = {OP_SYNC, 1, (struct arg[]){{"start", 5}}};
  step_sync(i, &sync, ctx, conn);
  (void)s;
}

static int cloexec_from(int first) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int self = dirfd(d);
  for (struct dirent *e; (e = readdir(d));) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] != '.' && fd >= first && fd != self && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
      closedir(d);
      return -1;
    }
  }
  closedir(d);
  return 0;
}

static void step_exec(int i, const struct step *s, struct ctx *ctx) {
  uint32_t argc = (uint32_t)arg_unum(s, 0);
  if (argc > s->argc - 1) die_step(i, s->op, EINVAL, "exec: %u arguments, %u given", argc, s->argc - 1);
  char **argv = calloc(argc + 1, sizeof(char *));
  char **envp = calloc(s->argc - 1 - argc + 1, sizeof(char *));
  if (!argv || !envp) die_step(i, s->op, ENOMEM, "exec");
  for (uint32_t k = 0; k < argc; k++) argv[k] = (char *)ARG(1 + k);
  for (uint32_t k = 1 + argc; k < s->argc; k++) envp[k - 1 - argc] = (char *)ARG(k);
  const char *path = ctx->exec_path[0] ? ctx->exec_path : argv[0];
  /* Only the container's fds cross the exec, whatever the steps left open. A
   * seccomp profile older than close_range (5.9) gets it ENOSYS or EPERM: then
   * fd by fd. */
  if (close_range((unsigned)ctx->nfds, ~0U, CLOSE_RANGE_CLOEXEC) < 0 && cloexec_from(ctx->nfds) < 0)
    die_step(i, s->op, errno, "close_range");
  execve(path, argv, envp);
  die_step(i, s->op, errno, "exec %s", path);
}

void run_steps(struct ctx *ctx) {
  struct plan *plan = ctx->plan;
  for (size_t n = 0; n < plan->count; n++) {
    const struct step *s = &plan->steps[n];
    int i = (int)n;
    errno = 0;
    switch (s->op) {
    case OP_MOUNT: step_mount(i, s); break;
    case OP_MOUNT_SETATTR: step_mount_setattr(i, s); break;
    case OP_OPEN_TREE: step_open_tree(i, s); break;
    case OP_FSMOUNT: step_fsmount(i, s); break;
    case OP_MOVE_MOUNT: step_move_mount(i, s); break;
    case OP_IDMAP_MOUNT: keep_mount(idmap_take(i)); break;
    case OP_LSM_EXEC: lsm_exec(i, s); break;
    case OP_UID_MAP_TOOL:
    case OP_GID_MAP_TOOL: break; /* the parent's: it wrote the maps */
    case OP_MKDIR_IN_ROOT:
      if (inroot_mkdir_all(ARG(0), ARG(1), (mode_t)arg_unum(s, 2)) < 0)
        die_step(i, s->op, errno, "mkdir %s in %s", ARG(1), ARG(0));
      break;
    case OP_MKFILE_IN_ROOT:
      if (inroot_mkfile(ARG(0), ARG(1), (mode_t)arg_unum(s, 2)) < 0)
        die_step(i, s->op, errno, "create %s in %s", ARG(1), ARG(0));
      break;
    case OP_MKNOD_IN_ROOT:
      if (inroot_mknod(ARG(0), ARG(1), (mode_t)arg_unum(s, 2), (unsigned)arg_unum(s, 3), (unsigned)arg_unum(s, 4),
                       (uid_t)arg_unum(s, 5), (gid_t)arg_unum(s, 6)) < 0 &&
          errno != EEXIST)
        die_step(i, s->op, errno, "mknod %s", ARG(1));
      break;
    case OP_SYMLINK_IN_ROOT:
      if (inroot_symlink(ARG(0), ARG(1), ARG(2)) < 0 && errno != EEXIST)
        die_step(i, s->op, errno, "symlink %s -> %s", ARG(2), ARG(1));
      break;
    case OP_SYNC: step_sync(i, s, ctx, report_fd); break;
    case OP_HOOK: step_hook(i, s, ctx); break;
    case OP_PIVOT_ROOT: step_pivot_root(i, s); break;
    case OP_CHROOT: step_chroot(i, s); break;
    case OP_CHROOT_PATH:
      procfs_forget();
      if (chroot(ARG(0)) < 0 || chdir("/") < 0) die_step(i, s->op, errno, "chroot %s", ARG(0));
      break;
    case OP_MASK_PATH: step_mask(i, s); break;
    case OP_READONLY_PATH: step_readonly(i, s); break;
    case OP_REMOUNT_RO: step_remount_ro(i, s, ARG(0)); break;
    case OP_WRITE_FILE: step_write_file(i, s); break;
    case OP_SETHOSTNAME:
      if (sethostname(ARG(0), s->argv[0].len) < 0) die_step(i, s->op, errno, "sethostname %s", ARG(0));
      break;
    case OP_SETDOMAINNAME:
      if (setdomainname(ARG(0), s->argv[0].len) < 0) die_step(i, s->op, errno, "setdomainname %s", ARG(0));
      break;
    case OP_SETRLIMIT: {
      struct rlimit rl = {(rlim_t)arg_unum(s, 1), (rlim_t)arg_unum(s, 2)};
      if (setrlimit((int)arg_num(s, 0), &rl) < 0)
        die_step(i, s->op, errno, "setrlimit %s soft %s hard %s", ARG(0), ARG(1), ARG(2));
      break;
    }
    case OP_CHDIR: step_chdir(i, s); break;
    case OP_UMASK: umask((mode_t)arg_unum(s, 0)); break;
    case OP_SETSID:
      if (setsid() < 0) die_step(i, s->op, errno, "setsid");
      break;
    case OP_TERMINAL: step_terminal(i, s, ctx); break;
    case OP_CAP_BOUND: step_cap_bound(i, s); break;
    case OP_KEEPCAPS:
      if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die_step(i, s->op, errno, "keepcaps");
      break;
    case OP_SETGROUPS_LIST: step_setgroups(i, s); break;
    case OP_SETGID:
      if (setresgid((gid_t)arg_unum(s, 0), (gid_t)arg_unum(s, 0), (gid_t)arg_unum(s, 0)) < 0)
        die_step(i, s->op, errno, "setgid %s", ARG(0));
      break;
    case OP_SETUID:
      if (setresuid((uid_t)arg_unum(s, 0), (uid_t)arg_unum(s, 0), (uid_t)arg_unum(s, 0)) < 0)
        die_step(i, s->op, errno, "setuid %s", ARG(0));
      break;
    case OP_CAPSET: step_capset(i, s); break;
    case OP_AMBIENT: step_ambient(i, s); break;
    case OP_NO_NEW_PRIVS:
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_step(i, s->op, errno, "no_new_privs");
      break;
    case OP_SECCOMP: step_seccomp(i, s); break;
    case OP_SESSION_KEYRING: step_session_keyring(i, s); break;
    case OP_PDEATHSIG:
      if (prctl(PR_SET_PDEATHSIG, arg_num(s, 0), 0, 0, 0) < 0) die_step(i, s->op, errno, "pdeathsig");
      break;
    case OP_READY: report_line("READY"); break;
    case OP_WAIT_START: step_wait_start(i, s, ctx); break;
    case OP_FIND_EXEC: step_find_exec(i, s, ctx); break;
    case OP_EXEC: step_exec(i, s, ctx); break;
    case OP_SCHED_SETATTR: step_sched_setattr(i, s); break;
    case OP_IOPRIO_SET: step_ioprio_set(i, s); break;
    case OP_PERSONALITY: step_personality(i, s); break;
    case OP_CPU_AFFINITY: break; /* stage 1's */
    default:
      if (s->op >= 100) die_step(i, s->op, EINVAL, "unknown step %u", s->op);
    }
  }
  die_step((int)plan->count, OP_END, EINVAL, "plan ended without exec");
}
