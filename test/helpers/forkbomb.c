/* A fork bomb for the delete tests, bounded by the pids cgroup limit the test
 * sets: every process forks again and again and never exits, ignoring forks
 * that fail at the limit. Children are not waited for (SIGCHLD ignored), so a
 * killed one frees its slot at once for another fork. */
#include <signal.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  signal(SIGCHLD, SIG_IGN);
  struct timespec pause = {0, 1000 * 1000};
  for (;;) {
    fork();
    nanosleep(&pause, NULL);
  }
}
