#ifndef RUNTS_TERMINAL_H
#define RUNTS_TERMINAL_H

#include <sys/types.h>

int send_fd(int sock, int fd, const char *name);
int recv_fd(int sock);
/* Opens a pty in the current /dev; returns the master and stores the slave. */
int open_pty(int *slave, unsigned rows, unsigned cols, uid_t uid);
/* Waits for child, forwarding signals to it and relaying stdio to master
 * (when master >= 0); returns the exit code to report (128+n for signal n).
 * Signals must be blocked by the caller, and arrive on sfd (a signalfd). */
int supervise(pid_t child, int master, int sfd);

#endif
