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

/* Every op the executor knows, its name in reports and the fewest arguments
 * its step reads: a plan is checked against it once, so no step reads past
 * its arguments if the runtime and the executor ever disagree. */
static const struct op_info {
  uint32_t op;
  const char *name;
  uint32_t min_args;
} OPS[] = {
    {OP_MODE, "mode", 1},
    {OP_CGROUP_PROCS, "cgroup-join", 1},
    {OP_NS_JOIN, "ns-join", 2},
    {OP_NS_UNSHARE, "ns-unshare", 1},
    {OP_USERNS, "userns", 0},
    {OP_UID_MAP, "uid-map", 1},
    {OP_GID_MAP, "gid-map", 1},
    {OP_SETGROUPS, "setgroups", 1},
    {OP_TIMENS_OFFSETS, "timens-offsets", 1},
    {OP_START_SOCKET, "start-socket", 1},
    {OP_CONSOLE_SOCKET, "console-socket", 1},
    {OP_TERMINAL_RELAY, "terminal-relay", 0},
    {OP_CLONE_INIT, "clone-init", 0},
    {OP_MOUNT, "mount", 6},
    {OP_MOUNT_SETATTR, "mount-setattr", 4},
    {OP_MKDIR_IN_ROOT, "mkdir", 3},
    {OP_MKFILE_IN_ROOT, "mkfile", 3},
    {OP_MKNOD_IN_ROOT, "mknod", 7},
    {OP_SYMLINK_IN_ROOT, "symlink", 3},
    {OP_SYNC, "sync", 1},
    {OP_HOOK, "hook", 3},
    {OP_PIVOT_ROOT, "pivot-root", 1},
    {OP_CHROOT, "chroot", 1},
    {OP_MASK_PATH, "mask-path", 1},
    {OP_READONLY_PATH, "readonly-path", 1},
    {OP_WRITE_FILE, "write-file", 2},
    {OP_SETHOSTNAME, "sethostname", 1},
    {OP_SETDOMAINNAME, "setdomainname", 1},
    {OP_SETRLIMIT, "setrlimit", 3},
    {OP_CHDIR, "chdir", 1},
    {OP_UMASK, "umask", 1},
    {OP_SETSID, "setsid", 0},
    {OP_TERMINAL, "terminal", 3},
    {OP_CAP_BOUND, "cap-bounding", 1},
    {OP_KEEPCAPS, "keepcaps", 0},
    {OP_SETGROUPS_LIST, "setgroups-list", 0},
    {OP_SETGID, "setgid", 1},
    {OP_SETUID, "setuid", 1},
    {OP_CAPSET, "capset", 3},
    {OP_AMBIENT, "ambient", 1},
    {OP_NO_NEW_PRIVS, "no-new-privs", 0},
    {OP_SECCOMP, "seccomp", 2},
    {OP_SESSION_KEYRING, "session-keyring", 1},
    {OP_REMOUNT_RO, "remount-ro", 1},
    {OP_READY, "ready", 0},
    {OP_WAIT_START, "wait-start", 0},
    {OP_EXEC, "exec", 1},
    {OP_PDEATHSIG, "pdeathsig", 1},
    {OP_CHROOT_PATH, "chroot-path", 1},
    {OP_FIND_EXEC, "find-exec", 2},
    {OP_OPEN_TREE, "open-tree", 2},
    {OP_FSMOUNT, "fsmount", 2},
    {OP_MOVE_MOUNT, "move-mount", 2},
    {OP_SCHED_SETATTR, "sched-setattr", 7},
    {OP_IOPRIO_SET, "ioprio-set", 1},
    {OP_PERSONALITY, "personality", 1},
    {OP_CPU_AFFINITY, "cpu-affinity", 2},
    {OP_IDMAP_MOUNT, "idmap-mount", 6},
    {OP_LSM_EXEC, "lsm-exec", 2},
    {OP_UID_MAP_TOOL, "uid-map-tool", 1},
    {OP_GID_MAP_TOOL, "gid-map-tool", 1},
};

static const struct op_info *op_info(uint32_t op) {
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
    if (OPS[i].op == op) return &OPS[i];
  return NULL;
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
  size_t cap = 64, pos = 0, out = 0;
  plan->steps = calloc(cap, sizeof(struct step));
  if (!raw || !data || !plan->steps) goto nomem;
  if (read_full(fd, raw, len) < 0) {
    snprintf(err, errlen, "plan: truncated (expected %u bytes)", len);
    return -1;
  }
  for (;;) {
    uint32_t op, argc;
    if (pos + 4 > len) goto truncated;
    memcpy(&op, raw + pos, 4);
    pos += 4;
    if (op == OP_END) break;
    if (pos + 4 > len) goto truncated;
    memcpy(&argc, raw + pos, 4);
    pos += 4;
    /* Each argument takes at least its 4-byte length. */
    if (argc > (len - pos) / 4) goto truncated;
    const struct op_info *info = op_info(op);
    if (!info) {
      snprintf(err, errlen, "plan: unknown op %u (step %zu)", op, plan->count);
      return -1;
    }
    if (argc < info->min_args) {
      snprintf(err, errlen, "plan: %s takes at least %u arguments, got %u (step %zu)", info->name, info->min_args, argc,
               plan->count);
      return -1;
    }
    if (plan->count == cap) {
      struct step *more = realloc(plan->steps, cap * 2 * sizeof(struct step));
      if (!more) goto nomem;
      plan->steps = more;
      cap *= 2;
    }
    struct step *s = &plan->steps[plan->count++];
    s->op = op;
    s->argc = argc;
    s->argv = calloc(argc ? argc : 1, sizeof(struct arg));
    if (!s->argv) goto nomem;
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
nomem:
  snprintf(err, errlen, "plan: out of memory for %u bytes", len);
  return -1;
}

long long arg_num(const struct step *s, uint32_t i) {
  return i < s->argc ? strtoll(s->argv[i].data, NULL, 0) : 0;
}

unsigned long long arg_unum(const struct step *s, uint32_t i) {
  return i < s->argc ? strtoull(s->argv[i].data, NULL, 0) : 0;
}

const char *op_name(uint32_t op) {
  const struct op_info *info = op_info(op);
  return info ? info->name : "unknown";
}
