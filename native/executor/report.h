/* Messages to the runtime, one line each on the sync socket:
 *   PID <pid>                         the container process, as the host sees it
 *   SYNC <name>                       waiting for "OK <len>\n<bytes>" or "FAIL <text>\n"
 *   READY                             created; blocked until start
 *   ERR <step> <op> <errno> <detail>  step <step> of the plan failed
 * After `start` connects, the same ERR line goes to that connection instead. */
#ifndef RUNTS_REPORT_H
#define RUNTS_REPORT_H

#include <stddef.h>

extern int report_fd;

void report_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports step failure with errno and exits the calling process. */
void die_step(int step, unsigned op, int err, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));
int write_full(int fd, const void *buf, size_t len);
int read_line(int fd, char *buf, size_t len);
int read_exact(int fd, void *buf, size_t len);

#endif
