/* SPDX-License-Identifier: GPL-2.0-only */
/* manager.c: pvtuned's state and the operations on it (see manager.h). */
#define _GNU_SOURCE
#include <stdlib.h>

#include "engine/engine.h"
#include "log.h"
#include "manager.h"
#include "ops/ops.h"
#include "util/util.h"

struct pvt_store *manager_store(struct manager *m)
{
	struct pvt_store fresh;
	struct pvt_err e;
	int r = pvt_store_load(&m->ctx, &fresh, &e);

	if (r < 0) {
		pvt_log(LOG_WARNING, "keeping the store in memory: %s", e.msg);
		return &m->store;
	}
	if (r > 0)
		pvt_log(LOG_WARNING, "%s", e.msg);
	pvt_store_free(&m->store);
	m->store = fresh;
	return &m->store;
}

void manager_apply_active(struct manager *m)
{
	struct pvt_report rep = {0};
	struct pvt_err e = {{0}};
	char *name = NULL;
	int r;

	r = pvt_op_startup(&m->ctx, &m->store, m->cfg.default_profile, &name, &rep, &e);
	if (r < 0) {
		pvt_log(LOG_ERR, "profile %s not applied: %s", name ? name : "(auto)", e.msg);
	} else if (!name) {
		pvt_log(LOG_INFO, "no active profile");
	} else {
		daemon_log_report(name, &rep);
		pvt_log(r ? LOG_WARNING : LOG_INFO,
			"profile %s applied%s (%zu items, %zu changed, %zu do not hold, %zu warnings)",
			name, pvt_mode_auto(&m->ctx) ? " (auto mode)" : "", rep.n,
			pvt_report_count(&rep, PVT_ST_CHANGED),
			pvt_report_count(&rep, PVT_ST_FAILED) + pvt_report_count(&rep, PVT_ST_MISMATCH),
			pvt_report_count(&rep, PVT_ST_WARN));
	}
	pvt_report_free(&rep);
	free(name);
}

int manager_profile(struct manager *m, const char *name, struct pvt_report *rep,
		    struct pvt_err *e)
{
	return pvt_op_profile(&m->ctx, &m->store, name, rep, e);
}

int manager_auto_profile(struct manager *m, char **name, struct pvt_report *rep,
			 struct pvt_err *e)
{
	int r = pvt_op_auto_profile(&m->ctx, &m->store, rep, e);

	*name = r >= 0 ? pvt_active_get(&m->ctx) : NULL;
	return r;
}

int manager_off(struct manager *m, struct pvt_report *rep, struct pvt_err *e)
{
	return pvt_op_off(&m->ctx, &m->store, rep, e);
}

int manager_verify(struct manager *m, struct pvt_report *rep, struct pvt_err *e)
{
	return pvt_op_verify(&m->ctx, manager_store(m), rep, e);
}

int manager_disk_added(struct manager *m, const char *disk, struct pvt_report *rep,
		       struct pvt_op_times *t, struct pvt_err *e)
{
	return pvt_op_disk_added(&m->ctx, &m->store, disk, rep, t, e);
}

int manager_disk_removed(struct manager *m, const char *disk, struct pvt_err *e)
{
	return pvt_op_disk_removed(&m->ctx, &m->store, disk, e);
}

size_t manager_restore_all(struct manager *m, struct pvt_report *rep)
{
	return pvt_op_restore_all(&m->ctx, &m->store, rep);
}

/* ---- callers waiting for the VMs ---- */

void manager_wait_hold(struct manager_wait *w)
{
	w->holds++;
}

void manager_wait_release(struct manager_wait *w)
{
	int r;

	if (--w->holds > 0)
		return;
	r = w->guest_r || w->bad ? 1 : 0;
	w->fn(w->ud, r, &w->rep);
	pvt_report_free(&w->rep);
	free(w);
}

int manager_answer(struct manager *m, enum manager_vm_op op, int guest_r,
		   const struct pvt_report *guest, manager_answer_fn fn, void *ud)
{
	struct manager_wait *w;

	if (!m->vms)
		return fn(ud, guest_r, guest);
	w = pvt_xcalloc(1, sizeof(*w));
	w->fn = fn;
	w->ud = ud;
	w->guest_r = guest_r;
	w->holds = 1;	/* held while the VMs are started */
	pvt_report_append(&w->rep, guest);
	if (m->vms(m, op, w) == 0) {
		pvt_report_free(&w->rep);
		free(w);
		return fn(ud, guest_r, guest);
	}
	manager_wait_release(w);
	return 1;
}

void manager_vms(struct manager *m, enum manager_vm_op op)
{
	if (m->vms)
		m->vms(m, op, NULL);
}
