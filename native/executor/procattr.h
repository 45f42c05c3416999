/* Process attributes of runtime-spec 1.2/1.3: scheduler, I/O priority,
 * personality, CPU affinity, session keyring. Each step sets what the runtime decided. */
#ifndef RUNTS_PROCATTR_H
#define RUNTS_PROCATTR_H

#include "plan.h"

void step_sched_setattr(int i, const struct step *s);
void step_ioprio_set(int i, const struct step *s);
void step_personality(int i, const struct step *s);
/* Joins (or makes) the named session keyring; a second argument adds permission bits to it. */
void step_session_keyring(int i, const struct step *s);
/* Sets this process's CPUs to a list (argument arg of step i, "0,1,5"); an empty list changes nothing. */
void set_cpu_affinity(int i, const struct step *s, uint32_t arg);

#endif
