#ifndef RUNTS_LSM_H
#define RUNTS_LSM_H

#include "plan.h"

void lsm_exec(int i, const struct step *s);

#endif
