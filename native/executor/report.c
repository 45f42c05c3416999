#include "report.h"

#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int report_fd = -1;

int write_full(int fd, const void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, (const char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

int read_exact(int fd, void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, (char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

/* Byte at a time: the reply that follows a line must stay in the socket. */
int read_line(int fd, char *buf, size_t len) {
  size_t i = 0;
  while (i + 1 < len) {
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    if (c == '\n') break;
    buf[i++] = c;
  }
  buf[i] = 0;
  return (int)i;
}

void report_line(const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof buf - 2) n = sizeof buf - 2;
  for (int i = 0; i < n; i++)
    if (buf[i] == '\n') buf[i] = ' ';
  buf[n++] = '\n';
  if (report_fd >= 0) write_full(report_fd, buf, (size_t)n);
}

void die_step(int step, unsigned op, int err, const char *fmt, ...) {
  char detail[3000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  report_line("ERR %d %s %d %s", step, op_name(op), err, detail);
  _exit(127);
}
