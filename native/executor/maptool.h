#ifndef RUNTS_MAPTOOL_H
#define RUNTS_MAPTOOL_H

#include <sys/types.h>

/* Runs newuidmap or newgidmap (tool) for pid with the ranges of a uid_map or
 * gid_map text. Returns 0, or -1 with errno and the tool's words in msg. */
int map_tool(const char *tool, pid_t pid, const char *map, char *msg, size_t msglen);

#endif
