/* runts-executor: carries out a plan made by the TypeScript runtime.
 *
 *   parent (P)   reads the plan, opens the start and console sockets, writes
 *                the user namespace maps stage 1 asks for, reports the init's
 *                pid; then exits ("detach") or waits for the init ("wait").
 *   stage 1      joins the cgroups and namespaces, unshares the new ones and
 *                forks the init, so the init is pid 1 of a new pid namespace.
 *                With Op.CLONE_INIT (nothing to join) there is no stage 1:
 *                P clones the init into its new namespaces (clone_init).
 *   stage 2      the container init: runs the steps (steps.c), then execs.
 *
 * usage: runts-executor [sync-fd [spare]]
 *   sync-fd   the socket the plan arrives on and reports go to (default 3)
 *   spare     started ahead of time: first wait for the container's stdio
 *             and working directory on the socket (spare.c)
 * The runtime always starts this program from a sealed in-memory copy
 * (native/host: sealedCopy), never from its file: a container sees it. */
#include "executor.h"
#include "idmap.h"
#include "maptool.h"
#include "procattr.h"
#include "procfs.h"
#include "report.h"
#include "spare.h"
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct settings {
  int wait;
  int signal_fd; /* "wait": the signals P forwards, made before the init so a failure is reported */
  int userns;
  int relay;
  int clone_init;
  unsigned long unshare_flags;
  const char *uid_map, *gid_map, *setgroups, *timens;
  const char *uid_tool, *gid_tool; /* newuidmap, newgidmap: write the maps in our place */
  size_t uid_map_len, gid_map_len, timens_len;
};

static void read_settings(struct plan *plan, struct settings *st, struct ctx *ctx) {
  for (size_t n = 0; n < plan->count; n++) {
    const struct step *s = &plan->steps[n];
    int i = (int)n;
    switch (s->op) {
    case OP_MODE: st->wait = strcmp(s->argv[0].data, "wait") == 0; break;
    case OP_NS_UNSHARE: st->unshare_flags |= (unsigned long)arg_unum(s, 0); break;
    case OP_USERNS: st->userns = 1; break;
    case OP_UID_MAP: st->uid_map = s->argv[0].data, st->uid_map_len = s->argv[0].len; break;
    case OP_GID_MAP: st->gid_map = s->argv[0].data, st->gid_map_len = s->argv[0].len; break;
    case OP_SETGROUPS: st->setgroups = s->argv[0].data; break;
    case OP_UID_MAP_TOOL: st->uid_tool = s->argv[0].data; break;
    case OP_GID_MAP_TOOL: st->gid_tool = s->argv[0].data; break;
    case OP_TIMENS_OFFSETS: st->timens = s->argv[0].data, st->timens_len = s->argv[0].len; break;
    case OP_TERMINAL_RELAY: st->relay = 1; break;
    case OP_CLONE_INIT: st->clone_init = 1; break;
    case OP_START_SOCKET: {
      struct sockaddr_un addr = {.sun_family = AF_UNIX};
      if (s->argv[0].len >= sizeof addr.sun_path) die_step(i, s->op, ENAMETOOLONG, "%s", s->argv[0].data);
      memcpy(addr.sun_path, s->argv[0].data, s->argv[0].len);
      int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1) < 0)
        die_step(i, s->op, errno, "listen on %s", s->argv[0].data);
      ctx->start_listen_fd = fd;
      break;
    }
    case OP_CONSOLE_SOCKET: {
      struct sockaddr_un addr = {.sun_family = AF_UNIX};
      if (s->argv[0].len >= sizeof addr.sun_path) die_step(i, s->op, ENAMETOOLONG, "%s", s->argv[0].data);
      memcpy(addr.sun_path, s->argv[0].data, s->argv[0].len);
      int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die_step(i, s->op, errno, "connect to console socket %s", s->argv[0].data);
      ctx->console_fd = fd;
      break;
    }
    default: break;
    }
  }
}

static int find_step(struct plan *plan, unsigned op) {
  for (size_t n = 0; n < plan->count; n++)
    if (plan->steps[n].op == op) return (int)n;
  return -1;
}

/* Writes pid ("0": the caller) into every cgroup of the plan. A step may name
 * alternatives, tried in order while one refuses with EBUSY (v2 refuses
 * processes in a cgroup that hands domain controllers to its children). */
static void join_cgroups(struct plan *plan, const char *pid) {
  for (size_t n = 0; n < plan->count; n++) {
    const struct step *s = &plan->steps[n];
    if (s->op != OP_CGROUP_PROCS) continue;
    for (uint32_t a = 0; a < s->argc; a++) {
      int fd = open(s->argv[a].data, O_WRONLY | O_CLOEXEC);
      int rc = fd < 0 ? -1 : write_full(fd, pid, strlen(pid));
      int err = errno;
      if (fd >= 0) close(fd);
      if (rc == 0) break;
      if (err != EBUSY || a + 1 == s->argc) die_step((int)n, s->op, err, "join %s", s->argv[a].data);
    }
  }
}

/* In a new user namespace: ask the parent for the maps, then become its root. */
static void become_root(struct plan *plan, int peer) {
  int i = find_step(plan, OP_USERNS);
  char line[64];
  if (write_full(peer, "MAPS\n", 5) < 0 || read_line(peer, line, sizeof line) < 0 || strcmp(line, "OK") != 0)
    _exit(127); /* the parent reported why */
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    die_step(i, OP_USERNS, errno, "become root in the user namespace (is 0 mapped?)");
}

static void stage1(struct ctx *ctx, struct settings *st, int peer) {
  struct plan *plan = ctx->plan;
  /* Cgroups first: once in a user namespace the host's cgroup files are no longer ours to write.
   * An exec's CPU affinity: its initial CPUs until it is in them, its final ones after. */
  int aff = find_step(plan, OP_CPU_AFFINITY);
  if (aff >= 0) set_cpu_affinity(aff, &plan->steps[aff], 0);
  join_cgroups(plan, "0");
  if (aff >= 0) set_cpu_affinity(aff, &plan->steps[aff], 1);
  for (size_t n = 0; n < plan->count; n++) {
    const struct step *s = &plan->steps[n];
    if (s->op != OP_NS_JOIN) continue;
    int fd = open(s->argv[1].data, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_step((int)n, s->op, errno, "open namespace %s", s->argv[1].data);
    if (setns(fd, (int)arg_num(s, 0)) < 0) die_step((int)n, s->op, errno, "setns %s", s->argv[1].data);
    close(fd);
  }
  if (st->userns) {
    if (unshare(CLONE_NEWUSER) < 0) die_step(find_step(plan, OP_USERNS), OP_USERNS, errno, "unshare user namespace");
    become_root(plan, peer);
  }
  if (st->unshare_flags && unshare((int)st->unshare_flags) < 0)
    die_step(find_step(plan, OP_NS_UNSHARE), OP_NS_UNSHARE, errno, "unshare 0x%lx", st->unshare_flags);
  if (st->timens && procfs_write(getpid(), "timens_offsets", st->timens, st->timens_len) < 0)
    die_step(find_step(plan, OP_TIMENS_OFFSETS), OP_TIMENS_OFFSETS, errno, "write timens_offsets");
  pid_t pid = fork();
  if (pid < 0) die_step(-1, OP_END, errno, "fork container init");
  if (pid == 0) {
    close(peer);
    run_steps(ctx);
  }
  dprintf(peer, "PID %d\n", pid);
  _exit(0);
}

/* One map, written by us or by the plan's tool (newuidmap, newgidmap). */
static void write_map(struct ctx *ctx, pid_t child, unsigned op, const char *file, const char *map, size_t len,
                      const char *tool) {
  char msg[512];
  if (!map) return;
  if (!tool && procfs_write(child, file, map, len) < 0)
    die_step(find_step(ctx->plan, op), op, errno, "write %s", file);
  if (tool && map_tool(tool, child, map, msg, sizeof msg) < 0)
    die_step(find_step(ctx->plan, op), op, errno, "%s: %s", tool, msg);
}

static void write_maps(struct ctx *ctx, struct settings *st, pid_t child) {
  if (st->setgroups && procfs_write(child, "setgroups", st->setgroups, strlen(st->setgroups)) < 0)
    die_step(find_step(ctx->plan, OP_SETGROUPS), OP_SETGROUPS, errno, "write setgroups");
  write_map(ctx, child, OP_UID_MAP, "uid_map", st->uid_map, st->uid_map_len, st->uid_tool);
  write_map(ctx, child, OP_GID_MAP, "gid_map", st->gid_map, st->gid_map_len, st->gid_tool);
}

/* Answers stage 1's request for maps; returns the init's pid, or -1. */
static pid_t serve_stage1(struct ctx *ctx, struct settings *st, pid_t child, int peer) {
  char line[64];
  while (read_line(peer, line, sizeof line) >= 0) {
    if (strcmp(line, "MAPS") == 0) {
      write_maps(ctx, st, child);
      write_full(peer, "OK\n", 3);
    } else if (strncmp(line, "PID ", 4) == 0) {
      return (pid_t)atoi(line + 4);
    }
  }
  return -1;
}

/* Op.CLONE_INIT: the init made by clone() in its new namespaces at once (the
 * plan joins none and has no time offsets). Its cgroups come before the
 * cgroup namespace, whose root is where the init is when it unshares it; in
 * a new user namespace the init may not write the host's cgroup files, so
 * the parent puts it there while writing its maps. Returns the init's pid. */
static pid_t clone_init(struct ctx *ctx, struct settings *st, int peer[2], int relay_parent) {
  struct plan *plan = ctx->plan;
  unsigned long flags = (st->unshare_flags & ~(unsigned long)CLONE_NEWCGROUP) | (st->userns ? CLONE_NEWUSER : 0);
  /* fork's semantics (no new stack) with clone's flags. */
  pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid < 0) {
    unsigned op = st->userns ? OP_USERNS : OP_NS_UNSHARE;
    die_step(find_step(plan, op), op, errno, "clone 0x%lx", flags);
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    close(peer[0]);
    if (relay_parent >= 0) close(relay_parent);
    if (st->signal_fd >= 0) close(st->signal_fd);
    if (st->userns) become_root(plan, peer[1]);
    else join_cgroups(plan, "0");
    close(peer[1]);
    if ((st->unshare_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
      die_step(find_step(plan, OP_NS_UNSHARE), OP_NS_UNSHARE, errno, "unshare cgroup namespace");
    run_steps(ctx);
  }
  close(peer[1]);
  if (st->userns) {
    char line[64];
    if (read_line(peer[0], line, sizeof line) < 0 || strcmp(line, "MAPS") != 0) return -1;
    char text[24];
    snprintf(text, sizeof text, "%d", pid);
    join_cgroups(plan, text);
    write_maps(ctx, st, pid);
    write_full(peer[0], "OK\n", 3);
  }
  return pid;
}

int main(int argc, char **argv) {
  int sync_fd = argc > 1 ? atoi(argv[1]) : 3;
  /* The container's fds are 0..sync_fd-1. Whatever else our spawner left
   * open (a caller's stray fds, CVE-2024-21626) must not outlive an exec:
   * neither a hook's nor the container process's. */
  report_fd = sync_fd;
  if (close_range((unsigned)sync_fd, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    die_step(-1, OP_END, errno, "mark inherited fds close-on-exec");
  int nfds = sync_fd;
  if (argc > 2 && strcmp(argv[2], "spare") == 0) {
    sync_fd = await_use(sync_fd, &nfds);
    if (sync_fd < 0) return errno ? 127 : 0;
    report_fd = sync_fd;
  }
  struct plan plan;
  char err[256];
  if (plan_read(sync_fd, &plan, err, sizeof err) < 0) {
    report_line("ERR -1 plan %d %s", EINVAL, err);
    return 127;
  }
  struct ctx ctx = {.plan = &plan, .nfds = nfds, .start_listen_fd = -1, .console_fd = -1};
  struct settings st = {.signal_fd = -1};
  read_settings(&plan, &st, &ctx);
  idmap_prepare(&plan);

  int relay[2] = {-1, -1};
  if (st.relay) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, relay) < 0)
      die_step(find_step(&plan, OP_TERMINAL_RELAY), OP_TERMINAL_RELAY, errno, "socketpair");
    ctx.console_fd = relay[1];
  }
  /* Orphans of the init are ours to reap while we wait; once we exit they
   * pass to the next subreaper up, as runc's do. */
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int peer[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, peer) < 0) die_step(-1, OP_END, errno, "socketpair");
  if (st.wait) {
    /* Block before forking so no signal is lost; stage 1 restores the mask. */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    st.signal_fd = signalfd(-1, &all, SFD_CLOEXEC);
    if (st.signal_fd < 0) die_step(find_step(&plan, OP_MODE), OP_MODE, errno, "signalfd for the signals to forward");
  }
  pid_t init;
  if (st.clone_init) {
    init = clone_init(&ctx, &st, peer, relay[0]);
    if (ctx.console_fd >= 0) close(ctx.console_fd);
    if (ctx.start_listen_fd >= 0) close(ctx.start_listen_fd);
    close(peer[0]);
    if (init < 0) return 127;
  } else {
    pid_t child = fork();
    if (child < 0) die_step(-1, OP_END, errno, "fork");
    if (child == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      close(peer[0]);
      if (relay[0] >= 0) close(relay[0]);
      if (st.signal_fd >= 0) close(st.signal_fd);
      stage1(&ctx, &st, peer[1]);
    }
    close(peer[1]);
    if (ctx.console_fd >= 0) close(ctx.console_fd);
    if (ctx.start_listen_fd >= 0) close(ctx.start_listen_fd);
    init = serve_stage1(&ctx, &st, child, peer[0]);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (init < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 127;
  }
  report_line("PID %d", init);
  close(sync_fd);
  if (!st.wait) return 0;
  int master = -1;
  if (relay[0] >= 0) {
    master = recv_fd(relay[0]);
    close(relay[0]);
  }
  return supervise(init, master, st.signal_fd);
}
