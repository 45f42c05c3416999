#ifndef RUNTS_SPARE_H
#define RUNTS_SPARE_H

/* A spare executor is started before its container is asked for, with no
 * stdio of its own. It waits on its socket for one message carrying the
 * container's fds 0..n-1 and, last, the working directory; puts them in
 * place, sets *nfds to n and returns the socket's new fd (close-on-exec,
 * above them all). Returns -1 when the runtime closed the socket instead
 * (it is done). */
int await_use(int sock, int *nfds);

#endif
