/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * load.h: reading a profile's tuned.conf files (iniparser) as tuned does:
 * its include chain, each file read once, merged so that what is read later
 * wins per key, then ${var} and ${f:...} expanded. Syntax only:
 * units/check.h checks what the result says.
 *
 * An include names a profile: its copy in the highest profile directory,
 * or, when that copy is being read already (a profile in /etc/pvtune/profiles
 * that includes its own name), the next copy down. A copy read already in
 * this resolution (a diamond) is not read again. "-NAME" includes NAME only
 * if it exists. Includes nest at most PVT_INCLUDE_DEPTH_MAX deep.
 */
#ifndef PVT_PROFILE_LOAD_H
#define PVT_PROFILE_LOAD_H

#include "profile/profile.h"
#include "profile/vars.h"

/*
 * Read @names (one profile, or several separated by blanks: merged in that
 * order, as tuned-adm's `profile a b`) and everything they include into
 * @p, going on after errors: each is added to @errs (FILE:LINE: ...).
 * Returns how many; @p holds what could be read either way and is the
 * caller's to free. A name with no profile at all is -ENOENT, every other
 * error -EINVAL, -ELOOP, -E2BIG or the errno of a file that cannot be read.
 * @f: tuned's functions (NULL: none).
 */
int pvt_profile_read_all(const struct pvt_ctx *ctx, const char *names, const struct pvt_funcs *f,
			 struct pvt_profile *p, struct pvt_errs *errs);
/*
 * The same for one tuned.conf given by its path (not under the root), as
 * if it were the profile named after its directory; its includes come from
 * the profile directories.
 */
int pvt_profile_read_file(const struct pvt_ctx *ctx, const char *path, const struct pvt_funcs *f,
			  struct pvt_profile *p, struct pvt_errs *errs);

#endif
