/* TEMPORARY: see steps_tmp.c. */
#ifndef NETD_STEPS_TMP_H
#define NETD_STEPS_TMP_H
#include "step.h"
extern const struct step_ops fw_step;
#endif
