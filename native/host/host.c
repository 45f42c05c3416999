/* runts-host.node: the few host-side system calls Node lacks, as an N-API
 * addon (C, libc only). spawn() starts the executor with posix_spawn, which
 * glibc implements with clone(CLONE_VM|CLONE_VFORK): child_process.spawn
 * forks the whole Node process, whose page tables cost 2-4 ms to copy.
 * Nothing here runs between the container's clone and exec: that is the
 * executor's job. */
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_FDS 64
#define MAX_ARGS 64

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

static char *string_arg(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* spawn(path, argv[], fds[], cwd) -> pid. fds[i] becomes the child's fd i;
 * -1 opens /dev/null there. Every other fd of ours is close-on-exec (Node
 * opens everything so), so the child gets exactly these. */
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
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  /* Node ignores SIGPIPE and blocks nothing we know of: the executor starts from defaults. */
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int err = posix_spawn(&pid, path, &fa, &attr, args, environ);
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
 * as /proc/<pid>/exe to a container it joins, which can open it but never
 * write to it, nor reach the binary on the host. One copy serves every
 * protected spawn of this process. */
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

/* sendFds(sock, fds[]): one message whose payload is the count, carrying the
 * fds (SCM_RIGHTS). A spare executor receives its stdio and working
 * directory so. */
static napi_value js_send_fds(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
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

/* pidfdSendSignal(fd, sig): the signal goes to that process, or ESRCH once it is gone. */
static napi_value js_pidfd_send_signal(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1, sig = 0;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &sig);
  if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) return throw_errno(env, errno, "pidfd_send_signal");
  return NULL;
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
      {"pidfdOpen", NULL, js_pidfd_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pidfdSendSignal", NULL, js_pidfd_send_signal, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
