/* Files under /proc, opened so that nothing mounted or linked in the way can
 * redirect them (CVE-2025-52881: a write meant for the container's procfs
 * sent to a host sysctl through a racing mount). */
#ifndef RUNTS_PROCFS_H
#define RUNTS_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* Opens path ("/proc/..."; "/proc/self" and "/proc/thread-self" name the
 * caller) through a verified procfs root: /proc must be the root of a procfs
 * mount, the path is resolved beneath it with no symlink, magic link or mount
 * crossing, and what it opens must be procfs too. Fails with EXDEV when
 * something is in the way. */
int procfs_open(const char *path, int flags);
/* Writes data whole to /proc/<pid>/<file> opened as procfs_open opens it
 * (the maps of a child, its setgroups, time offsets). errno is kept. */
int procfs_write(pid_t pid, const char *file, const char *data, size_t len);
/* Drops the procfs root kept between calls: the root directory changed
 * (pivot_root, chroot), and /proc with it. */
void procfs_forget(void);

#endif
