/* TEMPORARY: see steps_tmp.c. */
#ifndef NETD_STEPS_TMP_H
#define NETD_STEPS_TMP_H
#include "step.h"
extern const struct step_ops fw_step, dhcp_step;
#include <time.h>
#include "dhcp_run.h"
int dhcp_leases_load(const struct nd_paths *p, const char *name, time_t now,
		     struct dhcp_lease **out, size_t *n, struct nerr *e);
#endif
