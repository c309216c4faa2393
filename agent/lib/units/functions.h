/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * functions.h: tuned's built-in profile functions, ${f:NAME:ARG...}, for
 * profile/vars.c. Those that make sense without running a program are
 * computed here from the system under the root; the others are refused.
 */
#ifndef PVT_UNITS_FUNCTIONS_H
#define PVT_UNITS_FUNCTIONS_H

#include "util/ctx.h"

/* struct pvt_funcs' call; @ud is the const struct pvt_ctx *. */
int pvt_tuned_function(void *ud, const char *name, const struct pvt_strv *args, char **out,
		       struct pvt_err *e);
/* The functions supported, blank-separated, for messages and the manual. */
#define PVT_TUNED_FUNCTIONS "virt_check cpulist_online cpulist_present cpulist_unpack " \
	"cpulist_pack cpulist_invert cpuinfo_check regex_search_ternary kb2s s2kb strip " \
	"assertion assertion_non_equal"

#endif
