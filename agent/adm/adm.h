/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * adm.h: pvtune-adm's two back ends, the same operations either through
 * pvtuned over D-Bus or done in-process (--no-daemon), and the exit codes
 * their errors come to.
 */
#ifndef PVT_ADM_H
#define PVT_ADM_H

#include "engine/report.h"
#include "util/util.h"

/* Exit codes, each with a name (JSON "status"); pvtune-adm(8), EXIT STATUS. */
enum adm_exit {
	ADM_OK = 0,		/* done, and every required item holds */
	ADM_MISMATCH = 1,	/* done, but a required item does not hold */
	ADM_USAGE = 2,		/* bad command line */
	ADM_NOT_FOUND = 3,	/* no such profile, no active profile, none recommended */
	ADM_NOT_RUNNING = 4,	/* pvtuned is not on the bus */
	ADM_DENIED = 5,		/* not allowed (pvtuned's D-Bus policy, file permissions) */
	ADM_INVALID = 6,	/* the profile does not load or fit the devices: nothing changed */
	ADM_FAILED = 7,		/* anything else that stopped the operation */
};

/* The exit code of a back end's -errno (ops.h says what each means). */
int adm_exit_code(int r);
const char *adm_exit_name(int code);

struct adm_option {
	char *section, *key, *value;
};

struct adm_info {
	char *name, *summary, *description;
	struct pvt_strv chain, files;
	struct adm_option *opt;
	size_t nopt;
};

void adm_info_free(struct adm_info *info);

/*
 * A list entry whose profile does not load has the summary "(broken:
 * MESSAGE)" (pvt_op_list_summary(), the D-Bus List's convention).
 */
#define ADM_BROKEN "(broken: "

/* Every call returns 0 (or 1: items do not hold, see @rep) or -errno with @e. */
struct adm_backend {
	/* names[i] has summaries[i] */
	int (*list)(void *h, struct pvt_strv *names, struct pvt_strv *summaries,
		    struct pvt_err *e);
	int (*active)(void *h, char **name, struct pvt_err *e);	/* NULL: off */
	int (*mode)(void *h, char **mode, struct pvt_err *e);		/* "manual", "auto" */
	int (*profile)(void *h, const char *names, struct pvt_report *rep, struct pvt_err *e);
	int (*auto_profile)(void *h, struct pvt_report *rep, struct pvt_err *e);
	int (*off)(void *h, struct pvt_report *rep, struct pvt_err *e);
	int (*verify)(void *h, struct pvt_report *rep, struct pvt_err *e);
	int (*recommend)(void *h, char **name, struct pvt_err *e);
	int (*info)(void *h, const char *name, struct adm_info *info, struct pvt_err *e);
	void (*close)(void *h);
};

/* In-process back end rooted at @root (NULL: $PVTUNE_ROOT or /); -errno in @r if none. */
void *adm_local_open(const char *root, const struct adm_backend **ops, int *r, struct pvt_err *e);
/* D-Bus back end: the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured); -ENOTCONN in @r if none. */
void *adm_bus_open(const struct adm_backend **ops, int *r, struct pvt_err *e);

#endif
