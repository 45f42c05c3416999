#ifndef RUNTS_INROOT_H
#define RUNTS_INROOT_H

#include <sys/types.h>

/* Each takes the rootfs as a host path and a path inside it. */
int inroot_open(const char *rootfs, const char *path, int flags);
int inroot_mkdir_all(const char *rootfs, const char *path, mode_t mode);
int inroot_mkfile(const char *rootfs, const char *path, mode_t mode);
/* Fails with EEXIST when path exists. */
int inroot_mknod(const char *rootfs, const char *path, mode_t mode, unsigned major, unsigned minor, uid_t uid,
                 gid_t gid);
int inroot_symlink(const char *rootfs, const char *target, const char *path);
/* Whether path names the root itself ("/", ".", "..", "/./"). */
int inroot_is_root(const char *path);
/* The rootfs's fd, kept open between steps (-1 if it cannot be opened). */
int inroot_root_fd(const char *rootfs);
/* Closes the rootfs kept open between steps: a mount on it hides what the fd names. */
void inroot_forget(void);

#endif
