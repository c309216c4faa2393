/*
 * load.h: reading a profile's tuned.conf files (iniparser): its include
 * chain (cycles are errors), merged so that the child wins per key, then
 * ${var} expanded from [variables]. Syntax only: units/check.h checks what
 * the result says.
 */
#ifndef PVT_PROFILE_LOAD_H
#define PVT_PROFILE_LOAD_H

#include "profile/profile.h"

/* Read NAME and everything it includes; on error nothing is returned. */
int pvt_profile_read(const struct pvt_ctx *ctx, const char *name, struct pvt_profile *p,
		     struct pvt_err *e);

#endif
