#ifndef RUNTS_PROTECT_H
#define RUNTS_PROTECT_H

/* Re-executes from a sealed memfd copy unless already running from one.
 * Returns 0 in the copy, -1 with errno on failure; never returns otherwise. */
int run_from_sealed_copy(char **argv);

#endif
