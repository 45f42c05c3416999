#ifndef RUNTS_IDMAP_H
#define RUNTS_IDMAP_H

#include "plan.h"

/* Run by the parent before any child exists: makes every OP_IDMAP_MOUNT's
 * detached, id-mapped clone of its source. Dies reporting the step on failure. */
void idmap_prepare(struct plan *plan);
/* The init's side: the fd of step i's prepared mount (it owns it from now on). */
int idmap_take(int i);

#endif
