/* The plan: a list of primitive operations computed by the TypeScript side.
 * Wire format (host byte order): "RTS1", u32 length of the rest, then records of
 *   u32 op, u32 argc, argc * (u32 len, len bytes)
 * ending with op END. Every argument is a byte string; numbers are decimal
 * (or 0x-prefixed hex) text. The op numbers are mirrored in
 * src/runtime/plan/ops.ts and documented in docs/design.md. */
#ifndef RUNTS_PLAN_H
#define RUNTS_PLAN_H

#include <stddef.h>
#include <stdint.h>

enum op {
  OP_END = 0,

  /* Settings read by the parent and stage 1 before the container init exists. */
  OP_MODE = 1,            /* "detach" | "wait" */
  OP_CGROUP_PROCS = 2,    /* path of a cgroup.procs file to join, then any to try in turn on EBUSY */
  OP_NS_JOIN = 3,         /* clone flag, path */
  OP_NS_UNSHARE = 4,      /* clone flags (never CLONE_NEWUSER) */
  OP_USERNS = 5,          /* unshare a user namespace */
  OP_UID_MAP = 6,         /* uid_map text */
  OP_GID_MAP = 7,         /* gid_map text */
  OP_SETGROUPS = 8,       /* "allow" | "deny" */
  OP_TIMENS_OFFSETS = 9,  /* timens_offsets text */
  OP_START_SOCKET = 10,   /* name, bound relative to the working directory */
  OP_CONSOLE_SOCKET = 11, /* path of a unix socket that receives the pty master */
  OP_TERMINAL_RELAY = 12, /* the parent relays its stdio to the pty */
  OP_CLONE_INIT = 13,     /* make the init by clone() with its new namespaces, no stage 1 */

  /* Steps run in order by the container init (stage 2). */
  OP_MOUNT = 100,         /* source, target, fstype, flags, data, inroot(0|1) */
  OP_MOUNT_SETATTR = 101, /* attr_set, attr_clr, propagation, recursive(0|1): on the kept mount */
  OP_MKDIR_IN_ROOT = 102, /* rootfs, path, mode */
  OP_MKFILE_IN_ROOT = 103,/* rootfs, path, mode */
  OP_MKNOD_IN_ROOT = 104, /* rootfs, path, mode(with type), major, minor, uid, gid */
  OP_SYMLINK_IN_ROOT = 105,/* rootfs, target, linkpath */
  OP_SYNC = 106,          /* name: ask the runtime, keep its reply for hooks */
  OP_HOOK = 107,          /* path, timeout_ms, argc, argv..., env... */
  OP_PIVOT_ROOT = 108,    /* rootfs */
  OP_CHROOT = 109,        /* rootfs (--no-pivot) */
  OP_MASK_PATH = 110,     /* path */
  OP_READONLY_PATH = 111, /* path */
  OP_WRITE_FILE = 112,    /* path, content */
  OP_SETHOSTNAME = 113,
  OP_SETDOMAINNAME = 114,
  OP_SETRLIMIT = 115,     /* resource, soft, hard (u64; 18446744073709551615 = unlimited) */
  OP_CHDIR = 116,
  OP_UMASK = 117,
  OP_SETSID = 118,
  OP_TERMINAL = 119,      /* rows, cols, uid[, console dir, console name]: the pty, bound there too */
  OP_CAP_BOUND = 120,     /* mask of capabilities to keep in the bounding set */
  OP_KEEPCAPS = 121,
  OP_SETGROUPS_LIST = 122,/* gid... */
  OP_SETGID = 123,
  OP_SETUID = 124,
  OP_CAPSET = 125,        /* effective, permitted, inheritable masks */
  OP_AMBIENT = 126,       /* mask */
  OP_NO_NEW_PRIVS = 127,
  OP_SECCOMP = 128,       /* bpf program bytes, flags */
  OP_SESSION_KEYRING = 129,/* name[, permission bits to add] */
  OP_REMOUNT_RO = 130,    /* path: remount read-only keeping its other flags */
  OP_READY = 131,         /* tell the runtime the container is created */
  OP_WAIT_START = 132,    /* block until `start` connects to the start socket */
  OP_EXEC = 133,          /* argc, argv..., env... */
  OP_PDEATHSIG = 134,     /* signal */
  OP_CHROOT_PATH = 135,   /* path: plain chroot (exec into a --no-pivot container) */
  OP_FIND_EXEC = 136,     /* name, PATH: resolve the program before start, as runc does */
  OP_OPEN_TREE = 137,     /* source, recursive(0|1): a detached bind, kept for the next steps */
  OP_FSMOUNT = 138,       /* fstype, mount attrs, "key" | "key=value"...: a detached mount, kept */
  OP_MOVE_MOUNT = 139,    /* target, rootfs: attach the kept mount there */

  /* Process attributes (procattr.c). */
  OP_SCHED_SETATTR = 150, /* policy, flags, nice, priority, runtime, deadline, period */
  OP_IOPRIO_SET = 151,    /* ioprio value (class << 13 | priority), for the process */
  OP_PERSONALITY = 152,   /* persona */
  OP_CPU_AFFINITY = 153,  /* initial, final CPU lists ("0,1"; "" leaves it): set by stage 1 around its cgroup join */

  /* 160-169: idmapped mounts, rootless maps, LSM labels. */
  OP_IDMAP_MOUNT = 160,   /* source, rbind, ridmap, uid_map, gid_map, userns path: made by the parent (idmap.c), kept by the init */
  OP_LSM_EXEC = 161,      /* value, attr file under /proc/thread-self...: the label of the next execve */
  OP_UID_MAP_TOOL = 162,  /* path of newuidmap: writes the uid map in place of the parent */
  OP_GID_MAP_TOOL = 163,  /* path of newgidmap */
};

struct arg {
  const char *data; /* NUL-terminated copy of the bytes */
  uint32_t len;
};

struct step {
  uint32_t op;
  uint32_t argc;
  struct arg *argv;
};

struct plan {
  struct step *steps;
  size_t count;
};

/* Reads a whole plan from fd; returns 0 or -1 with a message in err. */
int plan_read(int fd, struct plan *plan, char *err, size_t errlen);
const char *op_name(uint32_t op);
long long arg_num(const struct step *s, uint32_t i);
unsigned long long arg_unum(const struct step *s, uint32_t i);

#endif
