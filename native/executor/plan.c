#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PLAN (64u << 20)

static int read_full(int fd, void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, (char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

/* The plan is read into one buffer; steps point into it. */
int plan_read(int fd, struct plan *plan, char *err, size_t errlen) {
  uint32_t hdr[2];
  char magic[4];
  size_t cap = 64;
  plan->count = 0;
  plan->steps = calloc(cap, sizeof(struct step));
  if (read_full(fd, magic, 4) < 0 || memcmp(magic, "RTS1", 4) != 0) {
    snprintf(err, errlen, "plan: bad or missing header");
    return -1;
  }
  size_t total = 0;
  for (;;) {
    if (read_full(fd, &hdr[0], 4) < 0) {
      snprintf(err, errlen, "plan: truncated after %zu steps", plan->count);
      return -1;
    }
    if (hdr[0] == OP_END) break;
    if (read_full(fd, &hdr[1], 4) < 0) {
      snprintf(err, errlen, "plan: truncated in step %zu", plan->count);
      return -1;
    }
    if (plan->count == cap) {
      cap *= 2;
      plan->steps = realloc(plan->steps, cap * sizeof(struct step));
    }
    struct step *s = &plan->steps[plan->count++];
    s->op = hdr[0];
    s->argc = hdr[1];
    s->argv = calloc(s->argc ? s->argc : 1, sizeof(struct arg));
    for (uint32_t i = 0; i < s->argc; i++) {
      uint32_t len;
      if (read_full(fd, &len, 4) < 0 || (total += len) > MAX_PLAN) {
        snprintf(err, errlen, "plan: bad argument %u of step %zu", i, plan->count - 1);
        return -1;
      }
      char *data = malloc(len + 1);
      if (len && read_full(fd, data, len) < 0) {
        snprintf(err, errlen, "plan: truncated argument of step %zu", plan->count - 1);
        return -1;
      }
      data[len] = 0;
      s->argv[i].data = data;
      s->argv[i].len = len;
    }
  }
  return 0;
}

long long arg_num(const struct step *s, uint32_t i) {
  return i < s->argc ? strtoll(s->argv[i].data, NULL, 0) : 0;
}

unsigned long long arg_unum(const struct step *s, uint32_t i) {
  return i < s->argc ? strtoull(s->argv[i].data, NULL, 0) : 0;
}

const char *op_name(uint32_t op) {
  switch (op) {
  case OP_MODE: return "mode";
  case OP_CGROUP_PROCS: return "cgroup-join";
  case OP_NS_JOIN: return "ns-join";
  case OP_NS_UNSHARE: return "ns-unshare";
  case OP_USERNS: return "userns";
  case OP_UID_MAP: return "uid-map";
  case OP_GID_MAP: return "gid-map";
  case OP_SETGROUPS: return "setgroups";
  case OP_TIMENS_OFFSETS: return "timens-offsets";
  case OP_START_SOCKET: return "start-socket";
  case OP_CONSOLE_SOCKET: return "console-socket";
  case OP_TERMINAL_RELAY: return "terminal-relay";
  case OP_MOUNT: return "mount";
  case OP_MOUNT_SETATTR: return "mount-setattr";
  case OP_MKDIR_IN_ROOT: return "mkdir";
  case OP_MKFILE_IN_ROOT: return "mkfile";
  case OP_MKNOD_IN_ROOT: return "mknod";
  case OP_SYMLINK_IN_ROOT: return "symlink";
  case OP_SYNC: return "sync";
  case OP_HOOK: return "hook";
  case OP_PIVOT_ROOT: return "pivot-root";
  case OP_CHROOT: return "chroot";
  case OP_MASK_PATH: return "mask-path";
  case OP_READONLY_PATH: return "readonly-path";
  case OP_WRITE_FILE: return "write-file";
  case OP_SETHOSTNAME: return "sethostname";
  case OP_SETDOMAINNAME: return "setdomainname";
  case OP_SETRLIMIT: return "setrlimit";
  case OP_CHDIR: return "chdir";
  case OP_UMASK: return "umask";
  case OP_SETSID: return "setsid";
  case OP_TERMINAL: return "terminal";
  case OP_CAP_BOUND: return "cap-bounding";
  case OP_KEEPCAPS: return "keepcaps";
  case OP_SETGROUPS_LIST: return "setgroups-list";
  case OP_SETGID: return "setgid";
  case OP_SETUID: return "setuid";
  case OP_CAPSET: return "capset";
  case OP_AMBIENT: return "ambient";
  case OP_NO_NEW_PRIVS: return "no-new-privs";
  case OP_SECCOMP: return "seccomp";
  case OP_SESSION_KEYRING: return "session-keyring";
  case OP_REMOUNT_RO: return "remount-ro";
  case OP_READY: return "ready";
  case OP_WAIT_START: return "wait-start";
  case OP_EXEC: return "exec";
  case OP_PDEATHSIG: return "pdeathsig";
  case OP_CHROOT_PATH: return "chroot-path";
  case OP_FIND_EXEC: return "find-exec";
  default: return "unknown";
  }
}
