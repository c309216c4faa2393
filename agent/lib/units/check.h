/*
 * check.h: a profile read (profile/load.h) and checked against the units,
 * which is what "loading a profile" means everywhere else: an error names
 * the file and line of the section or option at fault.
 */
#ifndef PVT_UNITS_CHECK_H
#define PVT_UNITS_CHECK_H

#include "profile/profile.h"

/* Read, merge, expand and check; on error nothing is returned. */
int pvt_profile_load(const struct pvt_ctx *ctx, const char *name, struct pvt_profile *p,
		     struct pvt_err *e);
/* Check every section of @p with its unit. */
int pvt_profile_check(const struct pvt_profile *p, struct pvt_err *e);

#endif
