#include "terminal.h"

#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int send_fd(int sock, int fd, const char *name) {
  char ctrl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof ctrl};
  memset(ctrl, 0, sizeof ctrl);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

int recv_fd(int sock) {
  char buf[256];
  char ctrl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof ctrl};
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) {
    errno = EBADMSG;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

int open_pty(int *slave_out, unsigned rows, unsigned cols, uid_t uid) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -1;
  char name[128];
  if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0) goto fail;
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) goto fail;
  if (rows || cols) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    ioctl(master, TIOCSWINSZ, &ws);
  }
  if (uid != (uid_t)-1 && fchown(slave, uid, (gid_t)-1) < 0) {
    close(slave);
    goto fail;
  }
  *slave_out = slave;
  return master;
fail: {
  int saved = errno;
  close(master);
  errno = saved;
  return -1;
}
}

static int copy_once(int from, int to) {
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) return -1;
  return write_full(to, buf, (size_t)n);
}

int supervise(pid_t child, int master, int sfd) {
  struct termios saved;
  int raw = master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
  }
  int status = -1, stdin_open = master >= 0;
  for (;;) {
    struct pollfd p[3] = {{sfd, POLLIN, 0}, {master, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (status != -1 && master < 0) break;
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (copy_once(master, 1) < 0) {
        close(master);
        master = -1;
      }
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* A closed stdin ends input but not the container, as with runc. */
      if (copy_once(0, master) < 0) stdin_open = 0;
    }
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) != sizeof si) continue;
      if (si.ssi_signo == SIGCHLD) {
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
          if (pid == child) status = st;
      } else if (si.ssi_signo == SIGWINCH && master >= 0) {
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
      } else {
        kill(child, (int)si.ssi_signo);
      }
    }
  }
  if (raw) tcsetattr(0, TCSANOW, &saved);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}
