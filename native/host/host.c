/* runts-host.node: the few host-side system calls Node lacks, as an N-API
 * addon (C, libc only). spawn() starts the executor with posix_spawn, which
 * glibc implements with clone(CLONE_VM|CLONE_VFORK): child_process.spawn
 * forks the whole Node process, whose page tables cost 2-4 ms to copy.
 * Nothing here runs between the container's clone and exec: that is the
 * executor's job. The image layer uses it too: xattrs, device nodes, mounts
 * and locks by system call, so no untrusted name ever reaches a shell-out. */
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_FDS 64
#define MAX_ARGS 512

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_value num;
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_throw(env, error);
  return NULL;
}

/* The first argument of a call that takes one. */
static napi_value first_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value v = NULL;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  return v;
}

static int32_t int_arg(napi_env env, napi_callback_info info) {
  int32_t n = -1;
  napi_get_value_int32(env, first_arg(env, info), &n);
  return n;
}

/* A string argument as a C string; NULL if it is not a string or holds a NUL
 * (which C would silently cut the name at). */
static char *string_arg(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (s && strlen(s) != len) {
    free(s);
    return NULL;
  }
  return s;
}

/* The arguments of a call, up to n of them (missing ones undefined). */
static void args_of(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  napi_get_cb_info(env, info, &n, argv, NULL, NULL);
}

static int32_t int_of(napi_env env, napi_value v) {
  int32_t n = -1;
  napi_get_value_int32(env, v, &n);
  return n;
}

static napi_value throw_bad_args(napi_env env, const char *call) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s: bad arguments", call);
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* spawn(path, argv[], fds[], cwd) -> pid. fds[i] becomes the child's fd i;
 * -1 opens /dev/null there. The child gets exactly these: Node opens its own
 * fds close-on-exec, but whoever started Node may have left others open
 * (CVE-2024-21626), so everything above them is closed. The program is run
 * through an fd opened there first: its path may be /proc/self/fd/N of an fd
 * that is closed with the rest (the executor's sealed copy). It gets no
 * environment: the executor needs none, and a container could read the
 * caller's in /proc/<pid>/environ. */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *path = string_arg(env, argv[0]);
  char *cwd = string_arg(env, argv[3]);
  char *args[MAX_ARGS + 1] = {0};
  int fds[MAX_FDS], high[MAX_FDS];
  uint32_t nargs = 0, nfds = 0;
  napi_get_array_length(env, argv[1], &nargs);
  napi_get_array_length(env, argv[2], &nfds);
  napi_value result = NULL;
  if (!path || !cwd || nargs > MAX_ARGS || nfds > MAX_FDS) {
    napi_throw_range_error(env, NULL, "spawn: bad arguments");
    goto out;
  }
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value v;
    napi_get_element(env, argv[1], i, &v);
    args[i] = string_arg(env, v);
  }
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value v;
    napi_get_element(env, argv[2], i, &v);
    napi_get_value_int32(env, v, &fds[i]);
    high[i] = -1;
  }
  /* Sources move above every target first, so no dup2 overwrites a source still to come. */
  for (uint32_t i = 0; i < nfds; i++) {
    if (fds[i] < 0) continue;
    high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, MAX_FDS);
    if (high[i] < 0) {
      throw_errno(env, errno, "spawn: dup");
      goto close_high;
    }
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  for (uint32_t i = 0; i < nfds; i++) {
    if (high[i] >= 0) posix_spawn_file_actions_adddup2(&fa, high[i], (int)i);
    else posix_spawn_file_actions_addopen(&fa, (int)i, "/dev/null", O_RDWR, 0);
  }
  char exe[32];
  snprintf(exe, sizeof exe, "/proc/self/fd/%u", nfds);
  posix_spawn_file_actions_addopen(&fa, (int)nfds, path, O_RDONLY | O_CLOEXEC, 0);
  posix_spawn_file_actions_addclosefrom_np(&fa, (int)nfds + 1);
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  /* Node ignores SIGPIPE and blocks nothing we know of: the executor starts from defaults. */
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  char *no_env[] = {NULL};
  int err = posix_spawn(&pid, exe, &fa, &attr, args, no_env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err) throw_errno(env, err, path);
  else napi_create_int32(env, pid, &result);
close_high:
  for (uint32_t i = 0; i < nfds; i++)
    if (high[i] >= 0) close(high[i]);
out:
  for (uint32_t i = 0; i < nargs && i < MAX_ARGS; i++) free(args[i]);
  free(path);
  free(cwd);
  return result;
}

/* socketpair() -> [fd, fd], both close-on-exec. */
static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return throw_errno(env, errno, "socketpair");
  napi_value arr, a, b;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, sv[0], &a);
  napi_create_int32(env, sv[1], &b);
  napi_set_element(env, arr, 0, a);
  napi_set_element(env, arr, 1, b);
  return arr;
}

/* sealedCopy(path) -> fd: a memfd holding a copy of the file, sealed against
 * every change (CVE-2019-5736): an executor started from it shows the memfd
 * as /proc/<pid>/exe to its container, which can open it but never write to
 * it, nor reach the binary on the host. One copy serves every spawn of this
 * process. */
static napi_value js_sealed_copy(napi_env env, napi_callback_info info) {
  char *path = string_arg(env, first_arg(env, info));
  napi_value out = NULL;
  int src = path ? open(path, O_RDONLY | O_CLOEXEC) : -1, copy = -1;
  struct stat st;
  if (src < 0 || fstat(src, &st) < 0) goto fail;
  copy = memfd_create("runts-executor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (copy < 0) goto fail;
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(copy, src, NULL, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) goto fail;
    done += n;
  }
  if (fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) goto fail;
  close(src);
  napi_create_int32(env, copy, &out);
  free(path);
  return out;
fail:;
  int err = errno ? errno : EIO;
  if (src >= 0) close(src);
  if (copy >= 0) close(copy);
  throw_errno(env, err, path ? path : "sealedCopy");
  free(path);
  return NULL;
}

/* isatty(fd) -> boolean. Node's tty.isatty costs a load of node:tty and
 * node:net (2-3 ms of a CLI start); this is one ioctl. */
static napi_value js_isatty(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_get_boolean(env, isatty(int_arg(env, info)) == 1, &out);
  return out;
}

/* connectUnix(path) -> fd: a blocking, close-on-exec stream socket connected
 * to path (what `start` needs of node:net, without loading it). */
static napi_value js_connect_unix(napi_env env, napi_callback_info info) {
  char *path = string_arg(env, first_arg(env, info));
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  napi_value out = NULL;
  if (!path || strlen(path) >= sizeof addr.sun_path) {
    throw_errno(env, ENAMETOOLONG, path ? path : "connectUnix");
    goto done;
  }
  memcpy(addr.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket");
    goto done;
  }
  int r;
  do r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, err, path);
    goto done;
  }
  napi_create_int32(env, fd, &out);
done:
  free(path);
  return out;
}

/* sendFds(sock, fds[], payload?): one message carrying the fds (SCM_RIGHTS),
 * whose payload is their count, or the given bytes. A spare executor receives
 * its stdio and working directory so; a seccomp agent, the listener with the
 * container's process state. */
static napi_value js_send_fds(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock;
  uint32_t n = 0;
  napi_get_value_int32(env, argv[0], &sock);
  napi_get_array_length(env, argv[1], &n);
  if (n == 0 || n > MAX_FDS) {
    napi_throw_range_error(env, NULL, "sendFds: 1 to 64 fds");
    return NULL;
  }
  int fds[MAX_FDS];
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_get_element(env, argv[1], i, &v);
    napi_get_value_int32(env, v, &fds[i]);
  }
  uint32_t count = n;
  struct iovec iov = {&count, sizeof count};
  bool is_buffer = false;
  if (argc >= 3) napi_is_buffer(env, argv[2], &is_buffer);
  if (is_buffer) {
    void *data;
    size_t len;
    napi_get_buffer_info(env, argv[2], &data, &len);
    if (len == 0) return throw_bad_args(env, "sendFds");
    iov.iov_base = data;
    iov.iov_len = len;
  }
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, errno, "sendFds");
  return NULL;
}

/* reap(pid) -> null while it runs, else its wait status decoded:
 * the exit code, or 128 + the signal that killed it (as a shell reports). */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  int32_t pid = int_arg(env, info);
  /* Never waitpid(-1): that would take Node's own children from it. */
  if (pid <= 0) {
    napi_throw_range_error(env, NULL, "reap: a pid is required");
    return NULL;
  }
  int status;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  napi_value out;
  if (r == 0) {
    napi_get_null(env, &out);
    return out;
  }
  if (r < 0) return throw_errno(env, errno, "waitpid");
  napi_create_int32(env, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), &out);
  return out;
}

/* mknodat(dirfd, name, mode, major, minor): mode carries the file type
 * (S_IFCHR, S_IFBLK, S_IFIFO); dirfd -100 is AT_FDCWD. */
static napi_value js_mknodat(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  args_of(env, info, 5, argv);
  char *name = string_arg(env, argv[1]);
  if (!name) return throw_bad_args(env, "mknodat");
  int r = mknodat(int_of(env, argv[0]), name, (mode_t)int_of(env, argv[2]),
                  makedev((unsigned)int_of(env, argv[3]), (unsigned)int_of(env, argv[4])));
  int err = errno;
  if (r < 0) throw_errno(env, err, name);
  free(name);
  return NULL;
}

/* fsetxattr(fd, name, value) on an open file or directory, or setxattr on a
 * path when the first argument is a string (/proc/self/fd/N of an O_PATH fd:
 * what f*xattr refuses). The name is never parsed here. */
static napi_value js_setxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args_of(env, info, 3, argv);
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  char *name = string_arg(env, argv[1]);
  char *path = t == napi_string ? string_arg(env, argv[0]) : NULL;
  void *value;
  size_t len;
  if (!name || (t == napi_string && !path) || napi_get_buffer_info(env, argv[2], &value, &len) != napi_ok) {
    free(name);
    free(path);
    return throw_bad_args(env, "setxattr");
  }
  int r = path ? setxattr(path, name, value, len, 0) : fsetxattr(int_of(env, argv[0]), name, value, len, 0);
  if (r < 0) throw_errno(env, errno, name);
  free(name);
  free(path);
  return NULL;
}

/* lgetxattr(path, name): the value, or null when the file has no such
 * attribute. Never follows the last component; a caller reaching a file
 * through /proc/self/fd/N of an O_PATH fd passes that path (the magic link is
 * the file itself, not followed on). */
static napi_value js_getxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2], out = NULL;
  args_of(env, info, 2, argv);
  char *path = string_arg(env, argv[0]);
  char *name = string_arg(env, argv[1]);
  char *buf = NULL;
  if (!path || !name) {
    throw_bad_args(env, "getxattr");
    goto done;
  }
  for (;;) {
    ssize_t n = lgetxattr(path, name, NULL, 0);
    if (n < 0) {
      if (errno == ENODATA || errno == ENOTSUP) napi_get_null(env, &out);
      else throw_errno(env, errno, name);
      goto done;
    }
    free(buf);
    buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
      throw_errno(env, ENOMEM, name);
      goto done;
    }
    ssize_t got = lgetxattr(path, name, buf, (size_t)n);
    if (got >= 0) {
      void *data;
      napi_create_buffer_copy(env, (size_t)got, buf, &data, &out);
      goto done;
    }
    /* ERANGE: it grew between the two calls; ask again. */
    if (errno != ERANGE) {
      if (errno == ENODATA) napi_get_null(env, &out);
      else throw_errno(env, errno, name);
      goto done;
    }
  }
done:
  free(buf);
  free(name);
  free(path);
  return out;
}

/* llistxattr(path): the names of a file's attributes (those this process may
 * see), never following the last component. */
static napi_value js_listxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1], out = NULL;
  args_of(env, info, 1, argv);
  char *path = string_arg(env, argv[0]);
  char *buf = NULL;
  if (!path) return throw_bad_args(env, "listxattr");
  for (;;) {
    ssize_t n = llistxattr(path, NULL, 0);
    if (n < 0) {
      if (errno == ENOTSUP) napi_create_array(env, &out);
      else throw_errno(env, errno, path);
      break;
    }
    free(buf);
    buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
      throw_errno(env, ENOMEM, path);
      break;
    }
    ssize_t got = llistxattr(path, buf, (size_t)n);
    if (got < 0 && errno == ERANGE) continue;
    if (got < 0) {
      throw_errno(env, errno, path);
      break;
    }
    napi_create_array(env, &out);
    uint32_t i = 0;
    for (ssize_t off = 0; off < got; off += (ssize_t)strlen(buf + off) + 1) {
      napi_value v;
      napi_create_string_utf8(env, buf + off, strlen(buf + off), &v);
      napi_set_element(env, out, i++, v);
    }
    break;
  }
  free(buf);
  free(path);
  return out;
}

struct mount_call {
  char *source, *target, *fstype, *data, *cwd;
  unsigned long flags;
  int err;
};

/* Relative paths in the mount data (overlay's lowerdir) resolve against the
 * caller's cwd. A thread of its own with its own fs struct (CLONE_FS) can
 * chdir without moving the cwd of Node's other threads. */
static void *mount_in_cwd(void *p) {
  struct mount_call *m = p;
  if (unshare(CLONE_FS) < 0 || chdir(m->cwd) < 0 || mount(m->source, m->target, m->fstype, m->flags, m->data) < 0) m->err = errno;
  return NULL;
}

/* mount(source, target, fstype, flags, data, cwd): cwd ("" for none) is
 * where relative paths in data resolve. */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  args_of(env, info, 6, argv);
  struct mount_call m = {string_arg(env, argv[0]), string_arg(env, argv[1]), string_arg(env, argv[2]), string_arg(env, argv[4]), string_arg(env, argv[5]), 0, 0};
  int64_t flags = 0;
  napi_get_value_int64(env, argv[3], &flags);
  m.flags = (unsigned long)flags;
  if (!m.source || !m.target || !m.fstype || !m.data || !m.cwd) {
    throw_bad_args(env, "mount");
    goto out;
  }
  if (*m.cwd) {
    pthread_t t;
    int e = pthread_create(&t, NULL, mount_in_cwd, &m);
    if (e) m.err = e;
    else pthread_join(t, NULL);
  } else if (mount(m.source, m.target, m.fstype, m.flags, m.data) < 0) {
    m.err = errno;
  }
  if (m.err) throw_errno(env, m.err, m.target);
out:
  free(m.source);
  free(m.target);
  free(m.fstype);
  free(m.data);
  free(m.cwd);
  return NULL;
}

/* umount2(target, flags). */
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args_of(env, info, 2, argv);
  char *target = string_arg(env, argv[0]);
  if (!target) return throw_bad_args(env, "umount2");
  if (umount2(target, int_of(env, argv[1])) < 0) throw_errno(env, errno, target);
  free(target);
  return NULL;
}

/* flock(fd, op): LOCK_EX, LOCK_NB... as flock(2); EWOULDBLOCK throws EAGAIN. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args_of(env, info, 2, argv);
  int r;
  do r = flock(int_of(env, argv[0]), int_of(env, argv[1]));
  while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, errno, "flock");
  return NULL;
}

/* bpfProgLoad(type, insns: Buffer, license) -> fd (close-on-exec). The
 * program is built in TypeScript; a refusal is retried with the verifier's
 * log, which the error then carries. */
static napi_value js_bpf_prog_load(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args_of(env, info, 3, argv);
  int32_t type = int_of(env, argv[0]);
  void *insns = NULL;
  size_t len = 0;
  char *license = string_arg(env, argv[2]);
  napi_value out = NULL;
  if (napi_get_buffer_info(env, argv[1], &insns, &len) != napi_ok || len == 0 || len % 8 || !license) {
    napi_throw_range_error(env, NULL, "bpfProgLoad: a type, a Buffer of instructions and a license");
    goto done;
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = (uint32_t)type;
  attr.insn_cnt = (uint32_t)(len / 8);
  attr.insns = (uintptr_t)insns;
  attr.license = (uintptr_t)license;
  /* The verifier answers EAGAIN when it is short of memory for a moment
   * (seen under load); libbpf retries it the same way. */
  int fd, tries = 0;
  do fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  while (fd < 0 && errno == EAGAIN && ++tries < 5);
  if (fd < 0) {
    int err = errno;
    char log[4096] = "", what[224];
    attr.log_level = 1;
    attr.log_buf = (uintptr_t)log;
    attr.log_size = sizeof log;
    int again = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (again >= 0) close(again);
    /* The verifier's reason is the log's last line but its statistics ("processed N insns ..."). */
    size_t n = strlen(log);
    while (n && log[n - 1] == '\n') log[--n] = 0;
    char *last = strrchr(log, '\n');
    if (last && strncmp(last + 1, "processed ", 10) == 0) {
      *last = 0;
      last = strrchr(log, '\n');
    }
    const char *reason = last ? last + 1 : log;
    snprintf(what, sizeof what, "bpf(BPF_PROG_LOAD)%s%s", reason[0] ? ": verifier: " : "", reason);
    throw_errno(env, err, what);
    goto done;
  }
  napi_create_int32(env, fd, &out);
done:
  free(license);
  return out;
}

/* bpfProgAttach(progFd, targetFd, attachType, flags): the attachment holds
 * the program, so the caller may close progFd. */
static napi_value js_bpf_prog_attach(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  args_of(env, info, 4, argv);
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attach_bpf_fd = (uint32_t)int_of(env, argv[0]);
  attr.target_fd = (uint32_t)int_of(env, argv[1]);
  attr.attach_type = (uint32_t)int_of(env, argv[2]);
  attr.attach_flags = (uint32_t)int_of(env, argv[3]);
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0) return throw_errno(env, errno, "bpf(BPF_PROG_ATTACH)");
  return NULL;
}

/* bpfProgDetach(progFd, targetFd, attachType): undoes one attachment of
 * that program (with BPF_F_ALLOW_MULTI the program names which). */
static napi_value js_bpf_prog_detach(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args_of(env, info, 3, argv);
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attach_bpf_fd = (uint32_t)int_of(env, argv[0]);
  attr.target_fd = (uint32_t)int_of(env, argv[1]);
  attr.attach_type = (uint32_t)int_of(env, argv[2]);
  if (syscall(SYS_bpf, BPF_PROG_DETACH, &attr, sizeof attr) < 0) return throw_errno(env, errno, "bpf(BPF_PROG_DETACH)");
  return NULL;
}

/* bpfProgQuery(targetFd, attachType) -> the ids of the programs attached to
 * the target itself (not those its ancestors attached), in run order. A
 * cgroup holds at most 64 per type; ENOSPC says how many more there are. */
static napi_value js_bpf_prog_query(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args_of(env, info, 2, argv);
  uint32_t cap = 64, *ids = NULL;
  union bpf_attr attr;
  for (int tries = 0;; tries++) {
    uint32_t *grown = realloc(ids, cap * sizeof *ids);
    if (!grown) {
      free(ids);
      return throw_errno(env, ENOMEM, "bpf(BPF_PROG_QUERY)");
    }
    ids = grown;
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t)int_of(env, argv[0]);
    attr.query.attach_type = (uint32_t)int_of(env, argv[1]);
    attr.query.prog_ids = (uintptr_t)ids;
    attr.query.prog_cnt = cap;
    if (syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr) == 0) break;
    int err = errno;
    if (err == ENOSPC && tries < 4 && attr.query.prog_cnt > cap) {
      cap = attr.query.prog_cnt;
      continue;
    }
    free(ids);
    return throw_errno(env, err, "bpf(BPF_PROG_QUERY)");
  }
  napi_value out;
  napi_create_array_with_length(env, attr.query.prog_cnt, &out);
  for (uint32_t i = 0; i < attr.query.prog_cnt; i++) {
    napi_value id;
    napi_create_uint32(env, ids[i], &id);
    napi_set_element(env, out, i, id);
  }
  free(ids);
  return out;
}

/* bpfProgGetFdById(id) -> a new fd (close-on-exec) of the loaded program. */
static napi_value js_bpf_prog_get_fd_by_id(napi_env env, napi_callback_info info) {
  uint32_t id = 0;
  napi_get_value_uint32(env, first_arg(env, info), &id);
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_id = id;
  int fd = (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &attr, sizeof attr);
  if (fd < 0) return throw_errno(env, errno, "bpf(BPF_PROG_GET_FD_BY_ID)");
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* bpfProgId(progFd) -> the program's id (BPF_OBJ_GET_INFO_BY_FD). */
static napi_value js_bpf_prog_id(napi_env env, napi_callback_info info) {
  struct bpf_prog_info prog;
  memset(&prog, 0, sizeof prog);
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.info.bpf_fd = (uint32_t)int_arg(env, info);
  attr.info.info_len = sizeof prog;
  attr.info.info = (uintptr_t)&prog;
  if (syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof attr) < 0) return throw_errno(env, errno, "bpf(BPF_OBJ_GET_INFO_BY_FD)");
  napi_value out;
  napi_create_uint32(env, prog.id, &out);
  return out;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* pidfdOpen(pid) -> fd: a handle on the process that has pid now, which a
 * later reuse of the number cannot redirect (close-on-exec, as every pidfd). */
static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  int fd = (int)syscall(SYS_pidfd_open, int_arg(env, info), 0);
  if (fd < 0) return throw_errno(env, errno, "pidfd_open");
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* pidfdGetfd(pidfd, fd) -> a copy of that process's fd (close-on-exec): the
 * seccomp listener a container process made, as runc takes it. */
static napi_value js_pidfd_getfd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args_of(env, info, 2, argv);
  int fd = (int)syscall(SYS_pidfd_getfd, int_of(env, argv[0]), int_of(env, argv[1]), 0);
  if (fd < 0) return throw_errno(env, errno, "pidfd_getfd");
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* pidfdSendSignal(fd, sig): the signal goes to that process, or ESRCH once it is gone. */
static napi_value js_pidfd_send_signal(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args_of(env, info, 2, argv);
  if (syscall(SYS_pidfd_send_signal, int_of(env, argv[0]), int_of(env, argv[1]), NULL, 0) < 0) return throw_errno(env, errno, "pidfd_send_signal");
  return NULL;
}

/* eventfd() -> fd: a blocking, close-on-exec eventfd (a counter read as 8
 * bytes), for v1's memory.oom_control notifications (cgroup.event_control). */
static napi_value js_eventfd(napi_env env, napi_callback_info info) {
  int fd = eventfd(0, EFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "eventfd");
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* readFiles(dir, names[]) -> (string | null)[]: each file's text (latin1),
 * null where it (or dir) does not exist. A container's statistics are some
 * 45 small cgroup files: opened relative to their directory, each costs the
 * kernel about 7 us here instead of 10 by its full path, and one call spares
 * node:fs's three per file. */
static napi_value js_read_files(napi_env env, napi_callback_info info) {
  napi_value argv[2], out = NULL;
  args_of(env, info, 2, argv);
  char *dir = string_arg(env, argv[0]);
  uint32_t n = 0;
  if (!dir || napi_get_array_length(env, argv[1], &n) != napi_ok) {
    free(dir);
    return throw_bad_args(env, "readFiles");
  }
  size_t cap = 64 * 1024;
  char *buf = malloc(cap);
  int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (!buf || (dfd < 0 && errno != ENOENT)) {
    throw_errno(env, buf ? errno : ENOMEM, dir);
    goto done;
  }
  napi_create_array_with_length(env, n, &out);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_get_element(env, argv[1], i, &v);
    char *name = string_arg(env, v);
    if (!name) {
      out = throw_bad_args(env, "readFiles");
      goto done;
    }
    int fd = dfd >= 0 ? openat(dfd, name, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0 && dfd >= 0 && errno != ENOENT) {
      out = throw_errno(env, errno, name);
      free(name);
      goto done;
    }
    free(name);
    if (fd < 0) {
      napi_get_null(env, &v);
      napi_set_element(env, out, i, v);
      continue;
    }
    /* A cgroup or /proc file is made whole by the kernel: reads go on until one returns nothing. */
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len)) > 0) {
      len += (size_t)got;
      if (len < cap) continue;
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        got = -1;
        errno = ENOMEM;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    int err = errno;
    close(fd);
    if (got < 0) {
      out = throw_errno(env, err, "read");
      goto done;
    }
    napi_create_string_latin1(env, buf, len, &v);
    napi_set_element(env, out, i, v);
  }
done:
  if (dfd >= 0) close(dfd);
  free(buf);
  free(dir);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"socketpair", NULL, js_socketpair, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendFds", NULL, js_send_fds, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connectUnix", NULL, js_connect_unix, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isatty", NULL, js_isatty, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sealedCopy", NULL, js_sealed_copy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reap", NULL, js_reap, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mknodat", NULL, js_mknodat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setxattr", NULL, js_setxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getxattr", NULL, js_getxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listxattr", NULL, js_listxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"umount2", NULL, js_umount2, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfProgLoad", NULL, js_bpf_prog_load, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfProgAttach", NULL, js_bpf_prog_attach, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfProgDetach", NULL, js_bpf_prog_detach, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfProgQuery", NULL, js_bpf_prog_query, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfProgGetFdById", NULL, js_bpf_prog_get_fd_by_id, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfProgId", NULL, js_bpf_prog_id, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pidfdOpen", NULL, js_pidfd_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pidfdSendSignal", NULL, js_pidfd_send_signal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"eventfd", NULL, js_eventfd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readFiles", NULL, js_read_files, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pidfdGetfd", NULL, js_pidfd_getfd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
