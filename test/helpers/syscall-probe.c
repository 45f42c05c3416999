/* Makes each named system call in a form that succeeds, or fails with an errno
 * other than EPERM, when no seccomp filter stands in the way, and changes
 * nothing: prints "<name> ok" or "<name> <ERRNO>". A filter's refusal is then
 * told apart from the kernel's own. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static const char *errname(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ENOSYS: return "ENOSYS";
  case EINVAL: return "EINVAL";
  case EACCES: return "EACCES";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  default: return strerror(e);
  }
}

static long probe(const char *name) {
  if (!strcmp(name, "unshare")) return unshare(0);
  /* The target does not exist: the lookup fails before any permission check. */
  if (!strcmp(name, "mount")) return mount("none", "/nonexistent-probe-target", "tmpfs", 0, NULL);
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  /* No arguments: EINVAL from the kernel. */
  if (!strcmp(name, "clone3")) return syscall(SYS_clone3, NULL, 0);
  if (!strcmp(name, "personality-query")) return personality(0xffffffff) < 0 ? -1 : 0;
  if (!strcmp(name, "personality-norandom")) return personality(PER_LINUX | ADDR_NO_RANDOMIZE) < 0 ? -1 : 0;
  if (!strcmp(name, "process_vm_readv")) {
    char from[8] = "probe", to[8];
    struct iovec local = {to, sizeof to}, remote = {from, sizeof from};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) < 0 ? -1 : 0;
  }
  if (!strcmp(name, "vsock")) {
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (fd >= 0) close(fd);
    return fd < 0 ? -1 : 0;
  }
  if (!strcmp(name, "fork")) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    return pid < 0 ? -1 : waitpid(pid, NULL, 0) < 0 ? -1 : 0;
  }
  errno = EINVAL;
  return -2;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    errno = 0;
    long rc = probe(argv[i]);
    if (rc == -2) printf("%s unknown-probe\n", argv[i]);
    else if (rc < 0) printf("%s %s\n", argv[i], errname(errno));
    else printf("%s ok\n", argv[i]);
  }
  return 0;
}
