/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check.h: a profile read (profile/load.h) and checked against the units,
 * which is what "loading a profile" means everywhere else: an error names
 * the file and line of the section or option at fault. tuned's own keys of
 * a section are taken as tuned means them (type=, enabled=, devices=,
 * uname_regex=, cpuinfo_regex=; replace= and drop= when merging) or refused
 * with what they are (priority=, devices_udev_regex=, script_pre=,
 * script_post=), and so are tuned's plugins that pvtune has no unit for.
 */
#ifndef PVT_UNITS_CHECK_H
#define PVT_UNITS_CHECK_H

#include "profile/profile.h"
#include "units/unit.h"

/*
 * Read, merge, expand and check @names (one profile or several, "a b"); on
 * error nothing is returned and @e holds every error, one per line. -ENOENT
 * means there is no such profile; a profile with errors is -EINVAL (or
 * -ELOOP, -E2BIG, or a file's read errno).
 */
int pvt_profile_load(const struct pvt_ctx *ctx, const char *names, struct pvt_profile *p,
		     struct pvt_err *e);
/*
 * The same, going on after each error (added to @errs); returns how many.
 * @p holds what could be read either way (the caller frees it). @file: a
 * tuned.conf path instead of profile names (check FILE).
 */
int pvt_profile_load_all(const struct pvt_ctx *ctx, const char *names, bool file,
			 struct pvt_profile *p, struct pvt_errs *errs);
/*
 * Check every section of @p with its unit; each error to @errs, and the
 * option (or the whole section) at fault taken out of @p; returns how many.
 */
int pvt_profile_check(struct pvt_profile *p, struct pvt_errs *errs);

#endif
