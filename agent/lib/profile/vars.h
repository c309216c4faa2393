/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vars.h: ${name} expansion from a profile's [variables] section, and
 * tuned's built-in functions, ${f:NAME:ARG:...}, through a table the caller
 * gives (units/functions.c: what they compute is the system's business).
 */
#ifndef PVT_VARS_H
#define PVT_VARS_H

#include "profile/profile.h"

/* The longest value a profile option may have once its variables are expanded. */
#define PVT_VALUE_MAX 65536

/* tuned's built-in functions. */
struct pvt_funcs {
	/*
	 * Evaluate ${f:@name:@args...} (the arguments already expanded) into
	 * a new string *@out; an unknown function or bad arguments is an error.
	 */
	int (*call)(void *ud, const char *name, const struct pvt_strv *args, char **out,
		    struct pvt_err *e);
	void *ud;
};

/*
 * Expand every option of every section but [variables] itself, each
 * variable once (a variable that refers to itself is an error); @f NULL:
 * no functions. Every error is added to @errs, naming the file and line of
 * the option; returns how many.
 */
int pvt_vars_expand_profile(struct pvt_profile *p, const struct pvt_funcs *f,
			    struct pvt_errs *errs);

#endif
