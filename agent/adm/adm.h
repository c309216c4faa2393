/*
 * adm.h: pvtune-adm's two back ends, the same operations either through
 * pvtuned over D-Bus or done in-process (--no-daemon).
 */
#ifndef PVT_ADM_H
#define PVT_ADM_H

#include "engine/report.h"
#include "util/util.h"

struct adm_option {
	char *section, *key, *value;
};

struct adm_info {
	char *name, *summary, *description;
	struct pvt_strv chain;
	struct adm_option *opt;
	size_t nopt;
};

void adm_info_free(struct adm_info *info);

struct adm_backend {
	/* names[i] has summaries[i] */
	int (*list)(void *h, struct pvt_strv *names, struct pvt_strv *summaries,
		    struct pvt_err *e);
	int (*active)(void *h, char **name, struct pvt_err *e);	/* NULL: off */
	/* 0 ok, 1 some items failed or mismatched, -errno with the message in @e */
	int (*profile)(void *h, const char *name, struct pvt_report *rep, struct pvt_err *e);
	int (*off)(void *h, struct pvt_report *rep, struct pvt_err *e);
	int (*verify)(void *h, struct pvt_report *rep, struct pvt_err *e);
	int (*recommend)(void *h, char **name, struct pvt_err *e);
	int (*info)(void *h, const char *name, struct adm_info *info, struct pvt_err *e);
	void (*close)(void *h);
};

/* In-process back end rooted at @root (NULL: $PVTUNE_ROOT or /). */
void *adm_local_open(const char *root, const struct adm_backend **ops, struct pvt_err *e);
/* D-Bus back end: the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured). */
void *adm_bus_open(const struct adm_backend **ops, struct pvt_err *e);

#endif
