/* A tiny seccomp agent for the NOTIFY tests:
 *   seccomp-agent SOCKET LOG
 * listens on SOCKET; each connection brings the container process state
 * (JSON) and the listener fd (SCM_RIGHTS), as runc and runts send them. The
 * state is appended to LOG as one line; every notified call is answered as a
 * success returning 4242 without running it, and logged as "call <nr>". */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LISTENERS 16

static void log_line(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "a");
  if (!f) return;
  fwrite(text, 1, len, f);
  fputc('\n', f);
  fclose(f);
}

static int receive(int conn, char *buf, size_t len, size_t *got) {
  union {
    char space[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {buf, len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0) return -1;
  *got = (size_t)n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: seccomp-agent SOCKET LOG\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(srv, 8) < 0) {
    perror("listen");
    return 1;
  }
  struct pollfd fds[1 + MAX_LISTENERS];
  int n = 1;
  fds[0] = (struct pollfd){srv, POLLIN, 0};
  static char buf[1 << 16];
  for (;;) {
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents & POLLIN) {
      int conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
      size_t got = 0;
      int fd = conn < 0 ? -1 : receive(conn, buf, sizeof buf, &got);
      if (got) log_line(argv[2], buf, got);
      if (fd >= 0 && n < 1 + MAX_LISTENERS) fds[n++] = (struct pollfd){fd, POLLIN, 0};
      if (conn >= 0) close(conn);
    }
    for (int i = 1; i < n; i++) {
      if (fds[i].revents & POLLIN) {
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        memset(&req, 0, sizeof req);
        if (ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
          memset(&resp, 0, sizeof resp);
          resp.id = req.id;
          resp.val = 4242;
          ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
          char line[64];
          int len = snprintf(line, sizeof line, "call %d", req.data.nr);
          log_line(argv[2], line, (size_t)len);
        }
      } else if (fds[i].revents & (POLLHUP | POLLERR)) {
        close(fds[i].fd);
        fds[i--] = fds[--n];
      }
    }
  }
}
