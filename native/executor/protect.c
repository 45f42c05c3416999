/* Runs the executor from a sealed in-memory copy of itself (CVE-2019-5736):
 * a process that joins a running container's namespaces is visible to the
 * container, whose root could open /proc/<pid>/exe and, once we exit, write
 * to the host's runts-executor. A sealed memfd can be opened but never
 * changed, and the host binary is not what /proc/<pid>/exe names. */
#include "protect.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

int run_from_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  /* The copy runs this same code: it stops here. */
  if (fcntl(self, F_GET_SEALS) == SEALS) {
    close(self);
    return 0;
  }
  struct stat st;
  int copy = memfd_create("runts-executor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (copy < 0 || fstat(self, &st) < 0) goto fail;
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(copy, self, NULL, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) goto fail;
    done += n;
  }
  if (fcntl(copy, F_ADD_SEALS, SEALS) < 0) goto fail;
  close(self);
  fexecve(copy, argv, environ);
fail:;
  int saved = errno;
  close(self);
  if (copy >= 0) close(copy);
  errno = saved;
  return -1;
}
