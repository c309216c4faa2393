/* SPDX-License-Identifier: GPL-2.0-only */
/* adm.c: what adm.h declares for all of pvtune-adm: the exit codes of the back ends' errors. */
#include <errno.h>

#include "adm.h"

int adm_exit_code(int r)
{
	switch (r) {
	case 0:
		return ADM_OK;
	case 1:
		return ADM_MISMATCH;
	case -ENOENT:
		return ADM_NOT_FOUND;
	case -ENOTCONN:
		return ADM_NOT_RUNNING;
	case -EACCES:
	case -EPERM:
		return ADM_DENIED;
	case -EINVAL:
	case -ELOOP:
	case -E2BIG:
		return ADM_INVALID;
	default:
		return ADM_FAILED;
	}
}

const char *adm_exit_name(int code)
{
	static const char *const names[] = {
		[ADM_OK] = "ok", [ADM_MISMATCH] = "mismatch", [ADM_USAGE] = "usage",
		[ADM_NOT_FOUND] = "not-found", [ADM_NOT_RUNNING] = "not-running",
		[ADM_DENIED] = "denied", [ADM_INVALID] = "invalid", [ADM_FAILED] = "failed",
	};

	return code >= 0 && code <= ADM_FAILED ? names[code] : "failed";
}
