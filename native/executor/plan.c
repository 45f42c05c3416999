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

/* The whole plan is read at once (its length follows the magic) and parsed
 * in place: arguments point into the buffer, each followed by a NUL. */
int plan_read(int fd, struct plan *plan, char *err, size_t errlen) {
  char hdr[8];
  uint32_t len;
  plan->count = 0;
  if (read_full(fd, hdr, 8) < 0 || memcmp(hdr, "RTS1", 4) != 0) {
    snprintf(err, errlen, "plan: bad or missing header");
    return -1;
  }
  memcpy(&len, hdr + 4, 4);
  if (len > MAX_PLAN) {
    snprintf(err, errlen, "plan: %u bytes is too large", len);
    return -1;
  }
  /* Room for a NUL after each argument: shift every argument by one byte
   * as it is parsed into a second buffer. */
  char *raw = malloc(len + 1);
  char *data = malloc((size_t)len * 2 + 1);
  if (!raw || !data || read_full(fd, raw, len) < 0) {
    snprintf(err, errlen, "plan: truncated (expected %u bytes)", len);
    return -1;
  }
  size_t cap = 64, pos = 0, out = 0;
  plan->steps = calloc(cap, sizeof(struct step));
  for (;;) {
    uint32_t op, argc;
    if (pos + 4 > len) goto truncated;
    memcpy(&op, raw + pos, 4);
    pos += 4;
    if (op == OP_END) break;
    if (pos + 4 > len) goto truncated;
    memcpy(&argc, raw + pos, 4);
    pos += 4;
    if (argc > len) goto truncated;
    if (plan->count == cap) {
      cap *= 2;
      plan->steps = realloc(plan->steps, cap * sizeof(struct step));
    }
    struct step *s = &plan->steps[plan->count++];
    s->op = op;
    s->argc = argc;
    s->argv = calloc(argc ? argc : 1, sizeof(struct arg));
    for (uint32_t i = 0; i < argc; i++) {
      uint32_t n;
      if (pos + 4 > len) goto truncated;
      memcpy(&n, raw + pos, 4);
      pos += 4;
      if (n > len - pos) goto truncated;
      memcpy(data + out, raw + pos, n);
      data[out + n] = 0;
      s->argv[i].data = data + out;
      s->argv[i].len = n;
      pos += n;
      out += n + 1;
    }
  }
  free(raw);
  return 0;
truncated:
  snprintf(err, errlen, "plan: malformed at byte %zu (step %zu)", pos, plan->count);
  return -1;
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
  case OP_OPEN_TREE: return "open-tree";
  case OP_FSMOUNT: return "fsmount";
  case OP_MOVE_MOUNT: return "move-mount";
  default: return "unknown";
  }
}
