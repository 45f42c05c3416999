#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int attach_listen(struct attach *a, const char *name) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(name) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, name);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(name);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 8) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  a->listen_fd = fd;
  return 0;
}

static int send_frame(int fd, int type, const char *buf, size_t n) {
  unsigned char head[5] = {(unsigned char)type, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                           (unsigned char)n};
  struct iovec iov[2] = {{head, 5}, {(void *)buf, n}};
  ssize_t w;
  do w = writev(fd, iov, 2);
  while (w < 0 && errno == EINTR);
  return w == (ssize_t)(n + 5) ? 0 : -1;
}

void attach_accept(struct attach *a) {
  int fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 4;
    struct client *c = realloc(a->clients, cap * sizeof *c);
    if (!c) {
      close(fd);
      return;
    }
    a->clients = c, a->cap = cap;
  }
  if (send_frame(fd, FRAME_ATTACHED, NULL, 0) < 0) {
    close(fd);
    return;
  }
  a->clients[a->n++] = (struct client){.fd = fd};
}

static void drop(struct client *c) {
  close(c->fd);
  c->fd = -1;
}

void attach_compact(struct attach *a) {
  size_t j = 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->clients[i].fd >= 0) a->clients[j++] = a->clients[i];
  a->n = j;
}

void attach_broadcast(struct attach *a, int type, const char *buf, size_t n) {
  for (size_t i = 0; i < a->n; i++)
    if (a->clients[i].fd >= 0 && send_frame(a->clients[i].fd, type, buf, n) < 0) drop(&a->clients[i]);
}

void attach_close_stdin(struct attach *a) {
  /* The pty master is also the output: only a pipe is closed. */
  if (a->stdin_fd >= 0 && a->stdin_fd != a->pty_fd) close(a->stdin_fd);
  a->stdin_fd = -1;
  free(a->pending);
  a->pending = NULL, a->plen = a->poff = 0;
}

/* Writes what the container takes now; the rest waits for POLLOUT. */
static void to_stdin(struct attach *a, const char *buf, size_t n) {
  ssize_t w;
  do w = write(a->stdin_fd, buf, n);
  while (w < 0 && errno == EINTR);
  if (w < 0 && errno != EAGAIN) {
    attach_close_stdin(a); /* the container closed its stdin */
    return;
  }
  size_t done = w < 0 ? 0 : (size_t)w;
  if (done == n) return;
  a->pending = malloc(n - done);
  if (!a->pending) return;
  memcpy(a->pending, buf + done, n - done);
  a->plen = n - done, a->poff = 0;
}

void attach_flush_stdin(struct attach *a) {
  ssize_t w;
  do w = write(a->stdin_fd, a->pending + a->poff, a->plen - a->poff);
  while (w < 0 && errno == EINTR);
  if (w < 0 && errno != EAGAIN) {
    attach_close_stdin(a);
    return;
  }
  if (w > 0) a->poff += (size_t)w;
  if (a->poff == a->plen) {
    free(a->pending);
    a->pending = NULL, a->plen = a->poff = 0;
  }
}

static void resize(struct attach *a, const unsigned char arg[4]) {
  if (a->pty_fd < 0) return;
  struct winsize ws = {.ws_row = (unsigned short)(arg[0] << 8 | arg[1]), .ws_col = (unsigned short)(arg[2] << 8 | arg[3])};
  ioctl(a->pty_fd, TIOCSWINSZ, &ws);
}

/* One read per call: a header piece, or a piece of one frame's payload, so
 * the client's later frames wait in its socket while stdin is full. */
void attach_input(struct attach *a, size_t i) {
  struct client *c = &a->clients[i];
  char buf[8192];
  ssize_t n;
  if (c->hlen < 5) {
    n = read(c->fd, c->head + c->hlen, 5 - c->hlen);
    if (n <= 0) {
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) drop(c);
      return;
    }
    c->hlen += (unsigned)n;
    if (c->hlen < 5) return;
    c->left = (uint32_t)c->head[1] << 24 | (uint32_t)c->head[2] << 16 | (uint32_t)c->head[3] << 8 | c->head[4];
    c->alen = 0;
    if (c->head[0] == FRAME_RESIZE && c->left != 4) {
      drop(c);
      return;
    }
    if (c->head[0] == FRAME_CLOSE_STDIN) attach_close_stdin(a);
    if (c->left == 0) c->hlen = 0;
    return;
  }
  size_t want = c->left < sizeof buf ? c->left : sizeof buf;
  n = read(c->fd, buf, want);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) drop(c);
    return;
  }
  c->left -= (uint32_t)n;
  if (c->head[0] == FRAME_STDIN && a->stdin_fd >= 0) {
    to_stdin(a, buf, (size_t)n);
  } else if (c->head[0] == FRAME_RESIZE) {
    memcpy(c->arg + c->alen, buf, (size_t)n);
    c->alen += (unsigned)n;
    if (c->alen == 4) resize(a, c->arg);
  }
  if (c->left == 0) c->hlen = 0;
}

void attach_finish(struct attach *a, const char *exit_json, size_t n) {
  for (size_t i = 0; i < a->n; i++) {
    if (a->clients[i].fd < 0) continue;
    send_frame(a->clients[i].fd, FRAME_EXIT, exit_json, n);
    close(a->clients[i].fd);
  }
  a->n = 0;
  free(a->clients);
  a->clients = NULL;
  if (a->listen_fd >= 0) close(a->listen_fd);
  a->listen_fd = -1;
}
