/* A fork bomb for the delete tests, bounded by the pids cgroup limit the test
 * sets: every process forks again and again and never exits, ignoring forks
 * that fail at the limit. Children are not waited for (SIGCHLD ignored), so a
 * killed one frees its slot at once for another fork.
 * usage: forkbomb [pause between forks in ms, default 1] */
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 1;
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000 * 1000};
  signal(SIGCHLD, SIG_IGN);
  for (;;) {
    fork();
    nanosleep(&pause, NULL);
  }
}
