/* The container's log in the Kubernetes CRI format, one record a line:
 *   <RFC3339Nano UTC> stdout|stderr F|P <bytes>
 * F ends a line (its newline is not written), P is part of a line longer
 * than LINE_CAP or cut by the end of the stream. Rotated by size as
 * Docker's json-file: path, path.1 (newest) ... path.<max_files-1>. */
#ifndef MONITOR_LOG_H
#define MONITOR_LOG_H

#include <stddef.h>

#define LINE_CAP 8192

struct crilog {
  int fd; /* -1: no log file */
  const char *path;
  unsigned long long max_size; /* 0: never rotated */
  unsigned max_files;
  unsigned long long size;
};

/* Opens (appends to) the log; -1 with errno. */
int crilog_open(struct crilog *l);

/* Output of one stream, cut into lines. partial is malloc'd on first need. */
struct stream {
  int fd;
  const char *name; /* "stdout", "stderr" */
  char *partial;
  size_t plen;
};

void stream_feed(struct crilog *l, struct stream *s, const char *buf, size_t n);
/* The unfinished line, as P, at the stream's end. */
void stream_flush(struct crilog *l, struct stream *s);

/* Now as RFC3339Nano in UTC with nine digits; out holds 31 bytes. */
void timestamp(char out[31]);

#endif
