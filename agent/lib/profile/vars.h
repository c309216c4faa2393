/* vars.h: ${name} expansion from a profile's [variables] section. */
#ifndef PVT_VARS_H
#define PVT_VARS_H

#include "profile/profile.h"

/* Expand ${var} in @in from the [variables] section @vars (may be NULL). */
int pvt_vars_expand(const struct pvt_section *vars, const char *in, char **out,
		    struct pvt_err *e);
/* Expand every option of every section but [variables] itself. */
int pvt_vars_expand_profile(struct pvt_profile *p, struct pvt_err *e);

#endif
