/* Spare executors: see spare.h. The runtime keeps one ready so that spawning
 * and starting a process is off the path of the next container. */
#include "spare.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 64
/* Received fds and the socket wait above every target fd. */
#define HIGH 100

int await_use(int sock, int *nfds) {
  uint32_t count = 0;
  struct iovec iov = {&count, sizeof count};
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r == 0) errno = 0; /* closed: the runtime has no use for us */
  if (r <= 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (r != sizeof count || !c || c->cmsg_type != SCM_RIGHTS || count == 0 || count > MAX_FDS ||
      c->cmsg_len != CMSG_LEN(sizeof(int) * count)) {
    errno = EPROTO;
    return -1;
  }
  int fds[MAX_FDS];
  memcpy(fds, CMSG_DATA(c), sizeof(int) * count);
  uint32_t n = count - 1;
  if (fchdir(fds[n]) < 0) return -1;
  close(fds[n]);
  int high = fcntl(sock, F_DUPFD_CLOEXEC, HIGH);
  if (high < 0) return -1;
  close(sock);
  for (uint32_t i = 0; i < n; i++) {
    int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, HIGH);
    if (moved < 0) return -1;
    close(fds[i]);
    fds[i] = moved;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (dup2(fds[i], (int)i) < 0) return -1;
    close(fds[i]);
  }
  *nfds = (int)n;
  return high;
}
