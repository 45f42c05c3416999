/* berth-init: the container's pid 1 for `berth run --init`, in the spirit of
 * tini (Docker's docker-init). A command run as pid 1 gets no default signal
 * actions (the kernel drops SIGTERM and SIGINT it has no handler for) and
 * inherits every orphan of the container, which most programs never reap.
 * This runs the command as its child instead, forwards it the signals it
 * receives, reaps every process that exits under it, and exits as the
 * command did.
 *
 * usage: berth-init [--] COMMAND [ARG...]
 *   COMMAND is looked up in PATH. Exit status: the command's, 128+N when
 *   signal N killed it, 127 when it is not found, 126 when it cannot be run.
 *
 * The command leads a process group of its own and, when stdin is a
 * terminal, the terminal's foreground group (as tini): ^C and ^Z reach it and
 * its jobs straight from the terminal, not through us. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fault of our own (we take the default action, so a real one kills us)
 * or the terminal's stop for a background reader or writer: not forwarded. */
static const int not_forwarded[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, (size_t)n);
  (void)w;
}

/* In the child, every signal still blocked: SIGTTOU so tcsetpgrp works from
 * what is now a background group, the rest so none is lost before exec. */
static void run(char **cmd, const sigset_t *mask) {
  if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpgrp());
  sigprocmask(SIG_SETMASK, mask, NULL);
  execvp(cmd[0], cmd);
  int err = errno;
  say("berth-init: cannot run %s: %s", cmd[0], strerror(err));
  _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

int main(int argc, char **argv) {
  char **cmd = argv + 1;
  if (argc > 1 && strcmp(*cmd, "--") == 0) cmd++;
  if (!*cmd) {
    say("usage: berth-init [--] COMMAND [ARG...]");
    return 2;
  }

  /* Blocked, signals wait for sigwaitinfo: even as pid 1, whose signals with
   * no handler are otherwise dropped when they come from inside the namespace. */
  sigset_t all, forwarded, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  forwarded = all;
  for (size_t i = 0; i < sizeof not_forwarded / sizeof *not_forwarded; i++) sigdelset(&forwarded, not_forwarded[i]);

  /* Not pid 1 (a container sharing another's pid namespace): orphans still come to us. */
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  pid_t child = fork();
  if (child < 0) {
    say("berth-init: fork: %s", strerror(errno));
    return 126;
  }
  if (child == 0) run(cmd, &old);

  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&forwarded, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    /* Signals coalesce: one SIGCHLD may stand for many exits. */
    int st, child_st = -1;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0)
      if (p == child) child_st = st;
    /* Leaving as pid 1 ends what is left in the namespace, as the command's own exit would have. */
    if (child_st >= 0) return WIFSIGNALED(child_st) ? 128 + WTERMSIG(child_st) : WEXITSTATUS(child_st);
  }
}
