/* Idmapped mounts (OP_IDMAP_MOUNT), prepared by the parent before the init
 * exists. Setting MOUNT_ATTR_IDMAP takes CAP_SYS_ADMIN over the source's
 * filesystem and a mount never attached yet, so it is done here, in the
 * runtime's namespaces, on a detached clone (runc prepares them in its parent
 * too); the init inherits the clone's fd and attaches it in its own mount
 * namespace (steps.c), after the other attributes are set on it.
 *
 * The mapping is a user namespace: the one the container joins, opened by
 * path, or one made for the purpose by a child that does nothing else and
 * whose maps this process writes. Nothing of the container's takes part. */
#include "idmap.h"
#include "procfs.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARG(i) (s->argv[i].data)

struct prepared {
  int step;
  int fd;
};

static struct prepared *prepared;
static size_t nprepared;

/* User namespaces made here, by their maps: mounts that share a mapping share one. */
struct made_userns {
  const struct step *s;
  int fd;
};

/* A user namespace with the step's maps: a child unshares nothing but it,
 * waits until its end of a pipe closes and exits; it is ours and unreaped
 * until then, so /proc/<pid> cannot name another process. */
static int make_userns(int i, const struct step *s) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) die_step(i, s->op, errno, "pipe");
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid < 0) die_step(i, s->op, errno, "clone a user namespace for the mapping");
  if (pid == 0) {
    char c;
    close(pipefd[1]);
    while (read(pipefd[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(0);
  }
  close(pipefd[0]);
  int fd = -1, err = 0;
  const char *what = "setgroups";
  if (procfs_write(pid, "setgroups", "deny", 4) == 0 && (what = "uid_map", procfs_write(pid, "uid_map", ARG(3), s->argv[3].len) == 0) &&
      (what = "gid_map", procfs_write(pid, "gid_map", ARG(4), s->argv[4].len) == 0)) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
    what = "ns/user";
    fd = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) err = errno;
  close(pipefd[1]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  if (fd < 0) die_step(i, s->op, err, "user namespace for the mapping of %s: %s", ARG(0), what);
  return fd;
}

static int userns_for(int i, const struct step *s, struct made_userns *made, size_t *nmade) {
  if (s->argv[5].len) {
    int fd = open(ARG(5), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_step(i, s->op, errno, "open user namespace %s", ARG(5));
    return fd;
  }
  for (size_t k = 0; k < *nmade; k++) {
    const struct step *o = made[k].s;
    if (strcmp(o->argv[3].data, ARG(3)) == 0 && strcmp(o->argv[4].data, ARG(4)) == 0) return dup(made[k].fd);
  }
  int fd = make_userns(i, s);
  made[*nmade].s = s;
  made[(*nmade)++].fd = fd;
  return dup(fd);
}

/* Step: source, rbind(0|1), ridmap(0|1), uid_map text, gid_map text, userns path ("": make one). */
void idmap_prepare(struct plan *plan) {
  size_t count = 0;
  for (size_t n = 0; n < plan->count; n++) count += plan->steps[n].op == OP_IDMAP_MOUNT;
  if (!count) return;
  prepared = calloc(count, sizeof *prepared);
  struct made_userns *made = calloc(count, sizeof *made);
  size_t nmade = 0;
  if (!prepared || !made) die_step(-1, OP_IDMAP_MOUNT, ENOMEM, "idmapped mounts");
  for (size_t n = 0; n < plan->count; n++) {
    const struct step *s = &plan->steps[n];
    int i = (int)n;
    if (s->op != OP_IDMAP_MOUNT) continue;
    int tree = open_tree(AT_FDCWD, ARG(0), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (arg_num(s, 1) ? AT_RECURSIVE : 0));
    if (tree < 0) die_step(i, s->op, errno, "bind %s", ARG(0));
    int userns = userns_for(i, s, made, &nmade);
    if (userns < 0) die_step(i, s->op, errno, "user namespace for %s", ARG(0));
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned)userns};
    if (mount_setattr(tree, "", AT_EMPTY_PATH | (arg_num(s, 2) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
      die_step(i, s->op, errno, "idmap %s%s", ARG(0),
               errno == EINVAL ? " (does its filesystem support idmapped mounts?)" : "");
    close(userns);
    prepared[nprepared].step = i;
    prepared[nprepared++].fd = tree;
  }
  for (size_t k = 0; k < nmade; k++) close(made[k].fd);
  free(made);
}

int idmap_take(int i) {
  for (size_t k = 0; k < nprepared; k++)
    if (prepared[k].step == i) return prepared[k].fd;
  return -1;
}
