/* runts-monitor: one per container, in the spirit of conmon. Started by the
 * runtime with its working directory set to the monitor's directory, it
 * checks what can fail (the log, its sockets), forks the monitor proper and
 * exits; the monitor leads a session of its own, is a child subreaper and
 * starts the program (runts's executor from its sealed copy, or an OCI
 * runtime's `create`), so the container's init ends up its child. It holds
 * the container's stdio, logs it (log.c), serves attach (attach.c), and
 * records the init's exit in `exit` before it exits itself.
 *
 * usage: runts-monitor --warm CGROUP_PROCS...   (see warm())
 *        runts-monitor --ctl FD [--log PATH] [--log-max-size N] [--log-max-files N]
 *                      [--stdin] [--terminal] [--exec-fd FD] [--pass-fd FD]...
 *                      [--cwd DIR] [--pid-file PATH] -- PROGRAM ARGS...
 *   --ctl FD        the starter's control socket (below)
 *   --exec-fd FD    run the program held by FD (a sealed memfd); else PROGRAM is a path
 *   --pass-fd FD    FD becomes the program's fd 3, 4, ... in order
 *   --cwd DIR       the program's working directory
 *   --terminal      take the pty master from console.sock (the program connects to it)
 *   --exec-console  hold the pty masters of detached execs with a terminal: each is
 *                   sent on exec-tty.sock (a console socket), read and thrown
 *                   away until its last slave closes, so the process neither blocks
 *                   on a full terminal nor gets a hangup (Docker's exec -d -t)
 *   --stdin         the container's stdin is a pipe attach clients write to
 *   --pid-file PATH the init's pid is read there once the program exits 0
 *                   (an OCI runtime's --pid-file); else it comes on the ctl socket
 *   --exit-command PATH, --exit-arg ARG...
 *                   run once the exit is recorded, from /, as the monitor leaves
 *                   (the engine's restart policy and clean-up, as conmon's)
 *   --timer-interval MS, --timer-first MS, --timer-command PATH, --timer-arg ARG...
 *                   run every MS while the init runs, the first time MS (or
 *                   --timer-first) after the init is known; from /, stdio on
 *                   /dev/null, one at a time: a run still going when the next
 *                   is due skips that turn (the engine's health checks)
 *   --cgroup-procs PATH...
 *                   join these cgroups (write "0" to each cgroup.procs file)
 *                   before anything else: the monitor, and whatever it runs
 *                   until the executor moves the init, live there
 *
 * Control socket, one line each:
 *   monitor -> starter   ERR <what> <errno> <detail>   set-up failed, nothing runs
 *                                                      (what: log, attach, console, cgroup...)
 *                        MONITOR <pid>                 the monitor runs as pid
 *                        EXECUTOR <status>             the program exited
 *   starter -> monitor   INIT <pid>                    the container's init (0: none)
 * The monitor closes it once it has both the program's exit and the init; a
 * starter that goes before telling the init leaves the monitor reaping what
 * is left and exiting without an exit file. */
#include "attach.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PASS 16

extern char **environ;

/* A command and its arguments, NULL-terminated; argv NULL: none. */
struct command {
  char **argv;
  int argc;
};

struct opts {
  int ctl, exec_fd, stdin, terminal, exec_console;
  int pass[MAX_PASS];
  int npass;
  const char *cwd, *pid_file;
  char **argv;
  struct command exit, timer;
  unsigned long long timer_interval, timer_first; /* ms; timer_first 0: the interval */
  const char **cgroup_procs;
  int ncgroups;
};

static int ctl_fd = -1;
/* The oom_score_adj the monitor was started with, which its children get back. */
static char oom_adj[16] = "0";

/* Writes (and, with old, first reads) /proc/self/oom_score_adj; a user may not lower it: then it stays. */
static void oom_score_adj(const char *value, char *old, size_t oldlen) {
  int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  if (old) {
    ssize_t n = read(fd, old, oldlen - 1);
    if (n > 0) old[n] = 0, old[strcspn(old, "\n")] = 0;
  }
  ssize_t w = write(fd, value, strlen(value));
  (void)w;
  close(fd);
}

static void ctl_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ctl_line(const char *fmt, ...) {
  if (ctl_fd < 0) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  ssize_t w;
  do w = write(ctl_fd, line, (size_t)n);
  while (w < 0 && errno == EINTR);
}

static void fail(const char *what, int err, const char *detail) {
  ctl_line("ERR %s %d %s", what, err, detail);
  _exit(1);
}

static int number(const char *s, const char *what) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < 0 || v > 0x7fffffff) fail(what, EINVAL, s);
  return (int)v;
}

static unsigned long long big_number(const char *s, const char *what) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || *s == '-') fail(what, EINVAL, s);
  return v;
}

/* --X-command starts a command, --X-arg adds to it: in that order, once. */
static void command_word(struct command *c, int argc, const char *opt, const char *v) {
  int is_command = strstr(opt, "-command") != NULL;
  if (is_command != (c->argc == 0)) fail(opt + 2, EINVAL, "an -arg before its -command, or two commands");
  if (!c->argv && !(c->argv = calloc((size_t)argc, sizeof *c->argv))) fail(opt + 2, ENOMEM, v);
  c->argv[c->argc++] = (char *)v;
}

static void parse(int argc, char **argv, struct opts *o, struct crilog *log) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--stdin") == 0) o->stdin = 1;
    else if (strcmp(a, "--terminal") == 0) o->terminal = 1;
    else if (strcmp(a, "--exec-console") == 0) o->exec_console = 1;
    else if (!v) fail("usage", EINVAL, a);
    else if (strcmp(a, "--ctl") == 0) ctl_fd = o->ctl = number(v, "ctl"), i++;
    else if (strcmp(a, "--log") == 0) log->path = v, i++;
    else if (strcmp(a, "--log-max-size") == 0) log->max_size = big_number(v, "log-max-size"), i++;
    else if (strcmp(a, "--log-max-files") == 0) log->max_files = (unsigned)number(v, "log-max-files"), i++;
    else if (strcmp(a, "--exec-fd") == 0) o->exec_fd = number(v, "exec-fd"), i++;
    else if (strcmp(a, "--cwd") == 0) o->cwd = v, i++;
    else if (strcmp(a, "--pid-file") == 0) o->pid_file = v, i++;
    else if (strcmp(a, "--exit-command") == 0 || strcmp(a, "--exit-arg") == 0) command_word(&o->exit, argc, a, v), i++;
    else if (strcmp(a, "--timer-command") == 0 || strcmp(a, "--timer-arg") == 0) command_word(&o->timer, argc, a, v), i++;
    else if (strcmp(a, "--timer-interval") == 0) o->timer_interval = big_number(v, "timer-interval"), i++;
    else if (strcmp(a, "--timer-first") == 0) o->timer_first = big_number(v, "timer-first"), i++;
    else if (strcmp(a, "--cgroup-procs") == 0) {
      if (!o->cgroup_procs && !(o->cgroup_procs = calloc((size_t)argc, sizeof *o->cgroup_procs))) fail("cgroup", ENOMEM, v);
      o->cgroup_procs[o->ncgroups++] = v, i++;
    }
    else if (strcmp(a, "--pass-fd") == 0) {
      if (o->npass == MAX_PASS) fail("pass-fd", EMFILE, v);
      o->pass[o->npass++] = number(v, "pass-fd"), i++;
    } else fail("usage", EINVAL, a);
  }
  if (i >= argc) fail("usage", EINVAL, "no program");
  if (!o->timer.argv != !o->timer_interval) fail("usage", EINVAL, "--timer-command and --timer-interval go together");
  o->argv = argv + i;
}

static int join_cgroup(const char *procs) {
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t w = write(fd, "0", 1);
  int err = errno;
  close(fd);
  errno = err;
  return w == 1 ? 0 : -1;
}

static int listen_console(const char *name) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, name);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(addr.sun_path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 8) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The pty master a console-socket client sends (SCM_RIGHTS), as runc's recvtty takes it. */
static int recv_master(int listen_fd) {
  int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return -1;
  char buf[256], ctrl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof ctrl};
  ssize_t n;
  do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  close(conn);
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

/* In a forked child about to run another program: the monitor's own
 * oom_score_adj, ignored signals and signal mask are not the program's. */
static void undo_monitor_settings(void) {
  oom_score_adj(oom_adj, NULL, 0);
  signal(SIGHUP, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the forked child: fds[i] becomes fd i, then the program runs. */
static void run_program(struct opts *o, int *fds, int nfds) {
  undo_monitor_settings();
  /* Everything moves above the targets first, so no dup2 overwrites a source still needed. */
  for (int i = 0; i < nfds; i++)
    if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, nfds + 1)) < 0) _exit(127);
  int exec_fd = o->exec_fd >= 0 ? fcntl(o->exec_fd, F_DUPFD_CLOEXEC, nfds + 1) : -1;
  for (int i = 0; i < nfds; i++)
    if (dup2(fds[i], i) < 0) _exit(127);
  if (o->cwd && chdir(o->cwd) < 0) _exit(127);
  /* Nothing of ours beyond its fds reaches the program (nor the container). */
  syscall(SYS_close_range, (unsigned)nfds, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
  if (exec_fd >= 0) syscall(SYS_execveat, exec_fd, "", o->argv, environ, AT_EMPTY_PATH);
  else execve(o->argv[0], o->argv, environ);
  _exit(127);
}

static int status_code(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 255;
}

static pid_t read_pid_file(const char *path) {
  char buf[32];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  long v = strtol(buf, NULL, 10);
  return v > 0 ? (pid_t)v : 0;
}

struct monitor {
  struct opts *o;
  struct crilog log;
  struct stream out, err;
  struct attach at;
  int console_fd;
  int exec_console_fd;
  int *held; /* detached execs' pty masters, drained */
  size_t nheld, held_cap;
  pid_t child, init;
  int init_known; /* 0: not yet, 1: init, -1: none (the create failed or its starter went) */
  int timer_fd, timer_armed;
  pid_t timer_pid; /* the timer's command still running; 0: none */
  int child_done, init_done, init_status, all_gone;
  char exited_at[31];
  char ctlbuf[64];
  size_t ctllen;
};

static void drain(struct monitor *m);

static void reap(struct monitor *m) {
  for (;;) {
    /* Before the init is known only the program is reaped: the init must stay for its status. */
    if (!m->init_known && m->child_done) return;
    int st;
    pid_t p = waitpid(m->init_known ? -1 : m->child, &st, WNOHANG);
    if (p < 0 && errno == EINTR) continue;
    /* No child left: nothing more to wait for (an init we were told of but never had included). */
    if (p < 0 && errno == ECHILD && m->init_known && m->child_done) m->all_gone = 1;
    if (p <= 0) return;
    if (p == m->child) {
      m->child_done = 1;
      /* What the program wrote (an OCI runtime's complaints) is in the log before its starter hears it exited. */
      drain(m);
      ctl_line("EXECUTOR %d", status_code(st));
      if (m->o->pid_file) {
        m->init = status_code(st) == 0 ? read_pid_file(m->o->pid_file) : 0;
        m->init_known = m->init ? 1 : -1;
      }
    } else if (m->timer_pid && p == m->timer_pid) {
      m->timer_pid = 0;
    } else if (m->init_known > 0 && p == m->init) {
      m->init_done = 1;
      m->init_status = st;
      timestamp(m->exited_at);
    }
  }
}

static void read_ctl(struct monitor *m) {
  ssize_t n = read(ctl_fd, m->ctlbuf + m->ctllen, sizeof m->ctlbuf - 1 - m->ctllen);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    close(ctl_fd);
    ctl_fd = -1;
    if (!m->init_known) m->init_known = -1;
    reap(m);
    return;
  }
  m->ctllen += (size_t)n;
  m->ctlbuf[m->ctllen] = 0;
  char *nl;
  while ((nl = memchr(m->ctlbuf, '\n', m->ctllen))) {
    *nl = 0;
    if (strncmp(m->ctlbuf, "INIT ", 5) == 0 && !m->init_known) {
      m->init = (pid_t)atoi(m->ctlbuf + 5);
      m->init_known = m->init > 0 ? 1 : -1;
    }
    size_t used = (size_t)(nl - m->ctlbuf) + 1;
    memmove(m->ctlbuf, nl + 1, m->ctllen - used);
    m->ctllen -= used;
  }
  if (m->ctllen == sizeof m->ctlbuf - 1) m->ctllen = 0; /* not ours: no line is that long */
  /* The init may have exited already: its SIGCHLD came while it was unknown. */
  reap(m);
}

/* Returns 0 at the stream's end. */
static int pump(struct monitor *m, struct stream *s, int frame) {
  char buf[8192];
  ssize_t n;
  do n = read(s->fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return 1;
  if (n <= 0) { /* EOF, or EIO: a pty whose last slave closed */
    stream_flush(&m->log, s);
    if (s->fd != m->at.pty_fd) close(s->fd);
    s->fd = -1;
    return 0;
  }
  stream_feed(&m->log, s, buf, (size_t)n);
  if (m->at.n) attach_broadcast(&m->at, frame, buf, (size_t)n);
  return 1;
}

static void hold_exec_console(struct monitor *m) {
  int master = recv_master(m->exec_console_fd);
  if (master < 0) return;
  if (m->nheld == m->held_cap) {
    size_t cap = m->held_cap ? 2 * m->held_cap : 4;
    int *h = realloc(m->held, cap * sizeof *h);
    if (!h) {
      close(master);
      return;
    }
    m->held = h, m->held_cap = cap;
  }
  fcntl(master, F_SETFL, O_NONBLOCK);
  m->held[m->nheld++] = master;
}

/* Output nobody reads; EOF or EIO (its last slave closed) ends the hold. */
static void drain_held(struct monitor *m, size_t i) {
  char buf[4096];
  ssize_t n;
  do n = read(m->held[i], buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n > 0 || (n < 0 && errno == EAGAIN)) return;
  close(m->held[i]);
  m->held[i] = m->held[--m->nheld];
}

static void take_console(struct monitor *m) {
  int master = recv_master(m->console_fd);
  close(m->console_fd);
  m->console_fd = -1;
  unlink("console.sock");
  if (master < 0) return;
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  m->out.fd = master;
  m->at.pty_fd = master;
  if (m->o->stdin) m->at.stdin_fd = master;
}

/* Takes what the pipes (or the pty) hold now: a pipe's worth and more, but
 * bounded, since a process left outside a pid namespace may write on. */
static void drain(struct monitor *m) {
  for (int i = 0; i < 64 && m->out.fd >= 0 && pump(m, &m->out, FRAME_STDOUT) && poll(&(struct pollfd){m->out.fd, POLLIN, 0}, 1, 0) > 0; i++) {}
  for (int i = 0; i < 64 && m->err.fd >= 0 && pump(m, &m->err, FRAME_STDERR) && poll(&(struct pollfd){m->err.fd, POLLIN, 0}, 1, 0) > 0; i++) {}
}

/* Runs a command in a child of its own: from /, stdio on the monitor's /dev/null, nothing else of ours. */
static pid_t spawn_command(struct command *c) {
  pid_t p = fork();
  if (p != 0) return p;
  undo_monitor_settings();
  syscall(SYS_close_range, 3U, ~0U, 0);
  if (chdir("/") == 0) execve(c->argv[0], c->argv, environ);
  _exit(127);
}

/* Starts the timer once the init is known: due first after --timer-first, then every interval. */
static void arm_timer(struct monitor *m) {
  m->timer_armed = 1;
  unsigned long long every = m->o->timer_interval, first = m->o->timer_first ? m->o->timer_first : every;
  struct itimerspec t = {
    .it_interval = {(time_t)(every / 1000), (long)(every % 1000) * 1000000},
    .it_value = {(time_t)(first / 1000), (long)(first % 1000) * 1000000},
  };
  timerfd_settime(m->timer_fd, 0, &t, NULL);
}

/* A turn of the timer: its command runs unless the last run is still going
 * (the turn is skipped, never queued) or the init is gone, exited though its
 * SIGCHLD may not be read yet (WNOWAIT leaves its status to reap). */
static void timer_due(struct monitor *m) {
  uint64_t turns;
  if (read(m->timer_fd, &turns, sizeof turns) != sizeof turns) return;
  if (m->timer_pid || m->init_done) return;
  siginfo_t si = {0};
  if (waitid(P_PID, (id_t)m->init, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != 0) return;
  pid_t p = spawn_command(&m->o->timer);
  if (p > 0) m->timer_pid = p;
}

/* The init has exited: what its processes wrote is taken, then its status is written. */
static void finish(struct monitor *m) {
  drain(m);
  stream_flush(&m->log, &m->out);
  stream_flush(&m->log, &m->err);
  char json[128];
  int st = m->init_status;
  int n = snprintf(json, sizeof json, "{\"status\":%d,\"signal\":%d,\"exitedAt\":\"%s\"}\n", status_code(st),
                   WIFSIGNALED(st) ? WTERMSIG(st) : 0, m->exited_at);
  int fd = open("exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ssize_t w = write(fd, json, (size_t)n);
    close(fd);
    if (w == n) rename("exit.tmp", "exit");
  }
  attach_finish(&m->at, json, (size_t)n - 1);
  unlink("attach.sock");
  if (m->exec_console_fd >= 0) unlink("exec-tty.sock");
  /* Forked, so the monitor is gone by the time it runs: the command may delete the container,
   * which waits for the monitor to leave. A timer command still running is left to finish. */
  if (m->o->exit.argv) spawn_command(&m->o->exit);
  _exit(0);
}

static void loop(struct monitor *m, int sfd) {
  struct pollfd *p = NULL;
  size_t pcap = 0;
  for (;;) {
    if (m->init_done) finish(m);
    if (m->all_gone) {
      unlink("attach.sock");
      if (m->console_fd >= 0) unlink("console.sock");
      if (m->exec_console_fd >= 0) unlink("exec-tty.sock");
      _exit(0);
    }
    if (ctl_fd >= 0 && m->child_done && m->init_known) {
      close(ctl_fd);
      ctl_fd = -1;
    }
    if (m->timer_fd >= 0 && !m->timer_armed && m->init_known > 0) arm_timer(m);
    size_t need = 10 + m->at.n + m->nheld;
    if (need > pcap) {
      struct pollfd *np = realloc(p, need * sizeof *p);
      if (np) p = np, pcap = need;
      else if (!p) _exit(1);
    }
    int waiting = m->at.pending != NULL;
    size_t k = 0;
    p[k++] = (struct pollfd){sfd, POLLIN, 0};
    p[k++] = (struct pollfd){ctl_fd, POLLIN, 0};
    p[k++] = (struct pollfd){m->out.fd, POLLIN, 0};
    p[k++] = (struct pollfd){m->err.fd, POLLIN, 0};
    p[k++] = (struct pollfd){m->console_fd, POLLIN, 0};
    p[k++] = (struct pollfd){m->at.listen_fd, POLLIN, 0};
    p[k++] = (struct pollfd){waiting ? m->at.stdin_fd : -1, POLLOUT, 0};
    p[k++] = (struct pollfd){m->timer_fd, POLLIN, 0};
    p[k++] = (struct pollfd){m->exec_console_fd, POLLIN, 0};
    size_t held = k, nheld = m->nheld;
    for (size_t i = 0; i < nheld && k < pcap; i++) p[k++] = (struct pollfd){m->held[i], POLLIN, 0};
    size_t first = k;
    for (size_t i = 0; i < m->at.n && k < pcap; i++) p[k++] = (struct pollfd){waiting ? -1 : m->at.clients[i].fd, POLLIN, 0};
    if (poll(p, k, -1) < 0) continue;
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {}
      reap(m);
    }
    if (p[2].revents) pump(m, &m->out, FRAME_STDOUT);
    if (p[3].revents) pump(m, &m->err, FRAME_STDERR);
    if (p[1].revents) read_ctl(m);
    if (p[4].revents) take_console(m);
    if (p[5].revents) attach_accept(&m->at);
    if (p[6].revents && m->at.pending) attach_flush_stdin(&m->at);
    if (p[7].revents) timer_due(m);
    /* Last first: drain_held moves the last held fd into a closed one's place. */
    for (size_t i = nheld; i-- > 0;)
      if (p[held + i].revents) drain_held(m, i);
    if (p[8].revents) hold_exec_console(m);
    for (size_t i = first; i < k; i++)
      if (p[i].revents && m->at.clients[i - first].fd == p[i].fd && p[i].fd >= 0) attach_input(&m->at, i - first);
    attach_compact(&m->at);
  }
}

/* runts-monitor --warm PROCS...: joins those cgroups, then moves itself into
 * the first again every 4 ms until its stdin is closed (2 s at most). A
 * process's move into a cgroup takes the kernel's cgroup_threadgroup_rwsem
 * for writing, which waits out an RCU grace period (6-20 ms on the
 * development VM) unless another move came within about a grace period
 * before. Started as a run begins, this pays that wait while the engine
 * prepares the container, and keeps it paid until the container's monitor
 * and init have moved; its moves go nowhere (it is in that cgroup already). */
static int warm(int n, char **procs) {
  for (int i = 0; i < n; i++)
    if (join_cgroup(procs[i]) < 0) return 1;
  int fd = n ? open(procs[0], O_WRONLY | O_CLOEXEC) : -1;
  if (fd < 0) return 1;
  struct pollfd p = {0, POLLIN, 0};
  for (int turn = 0; turn < 500; turn++) {
    if (poll(&p, 1, 4) != 0) break;
    if (write(fd, "0", 1) != 1) break;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--warm") == 0) return warm(argc - 2, argv + 2);
  struct opts o = {.ctl = -1, .exec_fd = -1};
  struct monitor m = {.o = &o, .log = {.fd = -1, .max_files = 1}, .console_fd = -1, .exec_console_fd = -1, .timer_fd = -1};
  m.out = (struct stream){.fd = -1, .name = "stdout"};
  m.err = (struct stream){.fd = -1, .name = "stderr"};
  m.at = (struct attach){.listen_fd = -1, .stdin_fd = -1, .pty_fd = -1};
  parse(argc, argv, &o, &m.log);
  /* First, so everything the monitor starts (the executor included, until it moves the init) is there too. */
  for (int i = 0; i < o.ncgroups; i++)
    if (join_cgroup(o.cgroup_procs[i]) < 0) fail("cgroup", errno, o.cgroup_procs[i]);

  /* What can fail is done before the fork, so the starter hears of it and nothing runs. */
  if (m.log.path && crilog_open(&m.log) < 0) fail("log", errno, m.log.path);
  if (attach_listen(&m.at, "attach.sock") < 0) fail("attach", errno, "attach.sock");
  if (o.terminal && (m.console_fd = listen_console("console.sock")) < 0) fail("console", errno, "console.sock");
  if (o.exec_console && (m.exec_console_fd = listen_console("exec-tty.sock")) < 0) fail("console", errno, "exec-tty.sock");
  if (o.timer.argv && (m.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0) fail("timer", errno, "timerfd");
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) fail("dev-null", errno, "/dev/null");
  int fds[3 + MAX_PASS] = {devnull, devnull, devnull};
  int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
  if (!o.terminal) {
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) fail("pipe", errno, "stdout/stderr");
    fds[1] = out[1], fds[2] = err[1];
    m.out.fd = out[0], m.err.fd = err[0];
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    if (o.stdin) {
      if (pipe2(in, O_CLOEXEC) < 0) fail("pipe", errno, "stdin");
      fds[0] = in[0];
      m.at.stdin_fd = in[1];
      fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
  }
  for (int i = 0; i < o.npass; i++) fds[3 + i] = o.pass[i];

  pid_t pid = fork();
  if (pid < 0) fail("fork", errno, "monitor");
  if (pid > 0) {
    ctl_line("MONITOR %d", pid);
    _exit(0);
  }
  /* The monitor proper: nothing of its starter's session, terminal or signals reaches it. */
  setsid();
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  for (int i = 0; i < 3; i++) dup2(devnull, i);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  /* As conmon: the OOM killer takes the container before its monitor, which would take its
   * status and output with it; the program (and so the container) gets the old value back. */
  oom_score_adj("-1000", oom_adj, sizeof oom_adj);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) fail("signalfd", errno, "SIGCHLD");

  m.child = fork();
  if (m.child < 0) fail("fork", errno, "program");
  if (m.child == 0) run_program(&o, fds, 3 + o.npass);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (in[0] >= 0) close(in[0]);
  for (int i = 0; i < o.npass; i++) close(o.pass[i]);
  if (o.exec_fd >= 0) close(o.exec_fd);
  close(devnull);
  fcntl(ctl_fd, F_SETFL, O_NONBLOCK);
  /* Its starter put it in place without close-on-exec: the exit command must not inherit it. */
  fcntl(ctl_fd, F_SETFD, FD_CLOEXEC);
  loop(&m, sfd);
}
