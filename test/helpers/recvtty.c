/* Test helper, our own: a console socket that receives a pty master over
 * SCM_RIGHTS (as containerd's shim does) and copies what the container
 * writes to stdout until the terminal closes. usage: recvtty SOCKET */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 1) < 0) return perror("bind"), 1;
  printf("listening\n");
  fflush(stdout);
  int c = accept(s, NULL, NULL);
  char name[256] = {0}, ctrl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {name, sizeof name - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof ctrl};
  if (recvmsg(c, &msg, 0) < 0) return perror("recvmsg"), 1;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return fprintf(stderr, "no fd\n"), 1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  printf("received %s\n", name);
  fflush(stdout);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) write(1, buf, (size_t)n);
  return 0;
}
