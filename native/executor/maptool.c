/* Rootless maps beyond the user's own id: the setuid newuidmap/newgidmap
 * (shadow's, Debian's uidmap package) write the ranges /etc/subuid and
 * /etc/subgid grant, as runc has them do. They run with no environment, and
 * what they say goes into the step's error rather than the container's stderr. */
#include "maptool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int map_tool(const char *tool, pid_t pid, const char *map, char *msg, size_t msglen) {
  msg[0] = 0;
  char *copy = strdup(map);
  size_t words = 0;
  for (const char *p = map; *p; p++) words += (*p == ' ' || *p == '\n');
  char **argv = calloc(words + 4, sizeof(char *));
  char pidtext[24];
  if (!copy || !argv) return errno = ENOMEM, -1;
  snprintf(pidtext, sizeof pidtext, "%d", pid);
  size_t argc = 0;
  argv[argc++] = (char *)tool;
  argv[argc++] = pidtext;
  for (char *w = strtok(copy, " \n"); w; w = strtok(NULL, " \n")) argv[argc++] = w;
  int out = memfd_create("map-tool-output", MFD_CLOEXEC);
  if (out < 0) return -1;
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    dup2(out, 1);
    dup2(out, 2);
    execve(tool, argv, (char *[]){NULL});
    dprintf(2, "exec %s: %s", tool, strerror(errno));
    _exit(127);
  }
  int st;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
  ssize_t n = pread(out, msg, msglen - 1, 0);
  msg[n > 0 ? n : 0] = 0;
  for (char *p = msg; *p; p++)
    if (*p == '\n') *p = ' ';
  close(out);
  free(copy);
  free(argv);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  errno = EPERM;
  return -1;
}
