#include "procattr.h"
#include "report.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARG(k) (s->argv[k].data)

/* struct sched_attr, SCHED_ATTR_SIZE_VER1 (with the utilization clamps, left 0 as runc does). */
struct sched_attr_v1 {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

/* policy, flags, nice, priority, runtime, deadline, period */
void step_sched_setattr(int i, const struct step *s) {
  struct sched_attr_v1 attr = {
      .size = sizeof attr,
      .sched_policy = (uint32_t)arg_unum(s, 0),
      .sched_flags = arg_unum(s, 1),
      .sched_nice = (int32_t)arg_num(s, 2),
      .sched_priority = (uint32_t)arg_unum(s, 3),
      .sched_runtime = arg_unum(s, 4),
      .sched_deadline = arg_unum(s, 5),
      .sched_period = arg_unum(s, 6),
  };
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
    die_step(i, s->op, errno, "process.scheduler: sched_setattr policy %s flags %s nice %s priority %s", ARG(0), ARG(1),
             ARG(2), ARG(3));
}

/* The process, not its group: an exec'd process may still share its group
 * with the caller on the host, whose other members are not the container's. */
void step_ioprio_set(int i, const struct step *s) {
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)arg_num(s, 0)) < 0)
    die_step(i, s->op, errno, "process.ioPriority: ioprio_set %s", ARG(0));
}

void step_personality(int i, const struct step *s) {
  if (personality((unsigned long)arg_unum(s, 0)) < 0) die_step(i, s->op, errno, "linux.personality: personality %s", ARG(0));
}

void set_cpu_affinity(int i, const struct step *s, uint32_t arg) {
  if (arg >= s->argc || s->argv[arg].len == 0) return;
  enum { MAX_CPUS = 8192 };
  cpu_set_t *set = CPU_ALLOC(MAX_CPUS);
  size_t size = CPU_ALLOC_SIZE(MAX_CPUS);
  if (!set) die_step(i, s->op, ENOMEM, "process.execCPUAffinity");
  CPU_ZERO_S(size, set);
  for (const char *p = ARG(arg); *p;) {
    char *end;
    unsigned long cpu = strtoul(p, &end, 10);
    if (end == p || cpu >= MAX_CPUS) die_step(i, s->op, EINVAL, "process.execCPUAffinity: bad CPU list %s", ARG(arg));
    CPU_SET_S(cpu, size, set);
    p = *end == ',' ? end + 1 : end;
  }
  if (sched_setaffinity(0, size, set) < 0)
    die_step(i, s->op, errno, "process.execCPUAffinity.%s: sched_setaffinity %s", arg == 0 ? "initial" : "final", ARG(arg));
  CPU_FREE(set);
}

/* Without keyrings (ENOSYS) the container goes on, as in runc: the kernel has none to leak. */
void step_session_keyring(int i, const struct step *s) {
  long key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, ARG(0));
  if (key < 0) {
    if (errno == ENOSYS) return;
    die_step(i, s->op, errno, "join session keyring %s", ARG(0));
  }
  if (s->argc < 2) return;
  /* "type;uid;gid;perm;description": the perm is the fourth field, in hex. */
  char desc[512];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof desc);
  if (n < 0 || (size_t)n > sizeof desc) die_step(i, s->op, n < 0 ? errno : ENAMETOOLONG, "describe keyring %s", ARG(0));
  unsigned perm;
  if (sscanf(desc, "%*[^;];%*[^;];%*[^;];%x;", &perm) != 1) die_step(i, s->op, EINVAL, "keyring %s: description %s", ARG(0), desc);
  if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm | (unsigned)arg_unum(s, 1)) < 0)
    die_step(i, s->op, errno, "set the permissions of keyring %s", ARG(0));
}
