/* The bridge.conf entry as a step of a running network (bconf_step.c). */
#ifndef NETD_BCONF_STEP_H
#define NETD_BCONF_STEP_H

#include "step.h"

extern const struct step_ops bconf_step;

#endif
