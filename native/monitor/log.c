#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static char *digits(char *p, unsigned long v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + v % 10);
  return p + n;
}

void timestamp(char out[31]) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  char *p = digits(out, (unsigned long)tm.tm_year + 1900, 4);
  *p++ = '-', p = digits(p, (unsigned long)tm.tm_mon + 1, 2);
  *p++ = '-', p = digits(p, (unsigned long)tm.tm_mday, 2);
  *p++ = 'T', p = digits(p, (unsigned long)tm.tm_hour, 2);
  *p++ = ':', p = digits(p, (unsigned long)tm.tm_min, 2);
  *p++ = ':', p = digits(p, (unsigned long)tm.tm_sec, 2);
  *p++ = '.', p = digits(p, (unsigned long)ts.tv_nsec, 9);
  *p++ = 'Z', *p = 0;
}

int crilog_open(struct crilog *l) {
  l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  if (l->fd < 0) return -1;
  struct stat st;
  l->size = fstat(l->fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
  return 0;
}

/* path.<from> -> path.<to>; 0 is the path itself. */
static void shift(const char *path, unsigned from, unsigned to) {
  char a[4096], b[4096];
  if (from) snprintf(a, sizeof a, "%s.%u", path, from);
  else snprintf(a, sizeof a, "%s", path);
  snprintf(b, sizeof b, "%s.%u", path, to);
  rename(a, b);
}

/* A full file starts over: kept as path.1 (older ones move up, the oldest
 * goes), or truncated when only one file is kept. A failure keeps writing
 * where we are: losing lines is worse than a file over its size. */
static void rotate(struct crilog *l) {
  if (l->max_files <= 1) {
    if (ftruncate(l->fd, 0) == 0) l->size = 0;
    return;
  }
  for (unsigned i = l->max_files - 1; i > 0; i--) shift(l->path, i - 1, i);
  int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0640);
  if (fd < 0) return;
  close(l->fd);
  l->fd = fd;
  l->size = 0;
}

static void record(struct crilog *l, const char *stream, int partial, const char *data, size_t len) {
  if (l->fd < 0) return;
  char head[48];
  timestamp(head);
  int hl = 30;
  hl += snprintf(head + hl, sizeof head - (size_t)hl, " %s %c ", stream, partial ? 'P' : 'F');
  size_t total = (size_t)hl + len + 1;
  if (l->max_size && l->size > 0 && l->size + total > l->max_size) rotate(l);
  struct iovec iov[3] = {{head, (size_t)hl}, {(void *)data, len}, {"\n", 1}};
  /* One writev on an O_APPEND file: a reader never sees half a record. */
  ssize_t n;
  do n = writev(l->fd, iov, 3);
  while (n < 0 && errno == EINTR);
  if (n > 0) l->size += (unsigned long long)n;
}

/* Appends to the unfinished line; only the first piece can fail (no buffer yet). */
static int keep(struct stream *s, const char *buf, size_t n) {
  if (!s->partial && !(s->partial = malloc(LINE_CAP))) return -1;
  memcpy(s->partial + s->plen, buf, n);
  s->plen += n;
  return 0;
}

void stream_feed(struct crilog *l, struct stream *s, const char *buf, size_t n) {
  while (n) {
    const char *nl = memchr(buf, '\n', n);
    size_t seg = nl ? (size_t)(nl - buf) : n;
    /* A line longer than the buffer goes out in LINE_CAP pieces marked P. */
    while (s->plen + seg > LINE_CAP) {
      size_t take = LINE_CAP - s->plen;
      if (s->plen) {
        keep(s, buf, take);
        record(l, s->name, 1, s->partial, s->plen);
        s->plen = 0;
      } else {
        record(l, s->name, 1, buf, take);
      }
      buf += take, n -= take, seg -= take;
    }
    if (!nl) {
      if (keep(s, buf, seg) < 0) record(l, s->name, 1, buf, seg);
      return;
    }
    if (s->plen) {
      keep(s, buf, seg);
      record(l, s->name, 0, s->partial, s->plen);
      s->plen = 0;
    } else {
      record(l, s->name, 0, buf, seg);
    }
    buf += seg + 1, n -= seg + 1;
  }
}

void stream_flush(struct crilog *l, struct stream *s) {
  if (s->plen) record(l, s->name, 1, s->partial, s->plen);
  s->plen = 0;
  free(s->partial);
  s->partial = NULL;
}
