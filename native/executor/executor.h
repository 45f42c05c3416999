#ifndef RUNTS_EXECUTOR_H
#define RUNTS_EXECUTOR_H

#include "plan.h"

#include <stddef.h>

struct ctx {
  struct plan *plan;
  int nfds;            /* the container's fds are 0..nfds-1; no other may reach it */
  int start_listen_fd; /* created containers wait here for `start` */
  int console_fd;      /* receives the pty master */
  char *hook_stdin;    /* the runtime's last SYNC reply: the state for hooks */
  size_t hook_stdin_len;
  char exec_path[4096];
};

/* Runs the container init's steps; returns only through exec or _exit. */
void run_steps(struct ctx *ctx) __attribute__((noreturn));

#endif
