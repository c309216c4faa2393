/* SPDX-License-Identifier: GPL-2.0-only */
/* cpulist.h: Linux cpulist strings ("0-3,8,10-11") as CPU sets. */
#ifndef PVT_CPULIST_H
#define PVT_CPULIST_H

#include <stdbool.h>

#include "util/err.h"

#define PVT_MAX_CPUS 4096

struct pvt_cpuset {
	bool cpu[PVT_MAX_CPUS];
};

/* Parse @s; an empty list or bad syntax is an error. */
int pvt_cpulist_parse(const char *s, struct pvt_cpuset *set, struct pvt_err *e);
/* Canonical form ("0-2,5"); caller frees. */
char *pvt_cpulist_format(const struct pvt_cpuset *set);
int pvt_cpuset_count(const struct pvt_cpuset *set);
/* The @n-th CPU of the set (0-based), or -1. */
int pvt_cpuset_nth(const struct pvt_cpuset *set, int n);
/* True if @a and @b name the same CPUs in cpulist syntax. */
bool pvt_cpulist_equal(const char *a, const char *b);

#endif
