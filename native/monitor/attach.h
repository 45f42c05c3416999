/* Attach: a unix stream socket, attach.sock in the monitor's directory.
 * Frames both ways: u8 type, u32 payload length (big-endian), payload.
 *   monitor -> client  1 stdout, 2 stderr: bytes as the container wrote them
 *                      3 exit: the exit file's JSON, then the monitor closes
 *   client -> monitor  0 stdin: bytes for the container's stdin
 *                      4 resize: u16 rows, u16 cols (big-endian), for a pty
 *                      5 close stdin: the container reads EOF
 * A client that does not take its output as fast as it comes (its socket
 * buffer full) is disconnected: the log keeps everything, and the monitor
 * never waits on a client. Unknown client frames are skipped. */
#ifndef MONITOR_ATTACH_H
#define MONITOR_ATTACH_H

#include <stddef.h>
#include <stdint.h>

/* FRAME_ATTACHED goes to a client once it is taken: all output from then on reaches it, so a client that
 * starts the container after it misses none (a connect returns before the monitor accepts). */
enum { FRAME_STDIN = 0, FRAME_STDOUT = 1, FRAME_STDERR = 2, FRAME_EXIT = 3, FRAME_RESIZE = 4, FRAME_CLOSE_STDIN = 5, FRAME_ATTACHED = 6 };

struct client {
  int fd;
  unsigned char head[5];
  unsigned hlen;
  uint32_t left; /* payload bytes still to read */
  unsigned char arg[4];
  unsigned alen;
};

struct attach {
  int listen_fd;
  struct client *clients;
  size_t n, cap;
  int stdin_fd; /* the container's stdin (a pipe, or the pty master); -1: none */
  int pty_fd;   /* the pty master, which resize applies to; -1: none */
  char *pending; /* stdin bytes the container has not taken yet; clients wait meanwhile */
  size_t plen, poff;
};

/* Binds name (relative to the working directory) and listens; -1 with errno. */
int attach_listen(struct attach *a, const char *name);
void attach_accept(struct attach *a);
void attach_broadcast(struct attach *a, int type, const char *buf, size_t n);
/* Client i is readable. */
void attach_input(struct attach *a, size_t i);
/* The container's stdin is writable again. */
void attach_flush_stdin(struct attach *a);
/* Drops clients marked gone (fd -1): until then every client keeps its index. */
void attach_compact(struct attach *a);
void attach_close_stdin(struct attach *a);
/* Sends every client the exit frame and closes them and the socket. */
void attach_finish(struct attach *a, const char *exit_json, size_t n);

#endif
