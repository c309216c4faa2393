/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bus.c: pvtuned's D-Bus interface org.pvblk.pvtune1 at
 * /org/pvblk/pvtune1. Methods that change anything (Profile, AutoProfile,
 * Off) accept root (the effective uid the bus gives for the sender), or a
 * caller polkit authorizes for org.pvblk.pvtune1.profile, .auto-profile or
 * .off (polkit.c). Errors are named by what they mean (bus_api.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "bus.h"
#include "log.h"
#include "polkit.h"
#include "ops/bus_api.h"
#include "ops/ops.h"
#include "units/check.h"
#include "util/util.h"

struct bus {
	sd_bus *bus;
};

/* An operation's -errno (ops.h) as the D-Bus error that means the same (bus_api.h). */
static const char *op_error_name(int r)
{
	if (r == -ENOENT)
		return PVT_BUS_ERROR_NOT_FOUND;
	if (r == -EINVAL || r == -ELOOP || r == -E2BIG)
		return PVT_BUS_ERROR_INVALID;
	if (r == -EACCES || r == -EPERM)
		return SD_BUS_ERROR_ACCESS_DENIED;
	return PVT_BUS_ERROR_FAILED;
}

static int op_error(sd_bus_error *err, int r, const char *msg)
{
	return sd_bus_error_set(err, op_error_name(r), msg);
}

/* Microseconds of CLOCK_MONOTONIC: how long an operation took, for the log. */
static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int reply_report(sd_bus_message *m, int r, const struct pvt_report *rep,
			const char *msg)
{
	sd_bus_message *reply = NULL;
	int q;

	q = sd_bus_message_new_method_return(m, &reply);
	if (q < 0)
		return q;
	q = sd_bus_message_append(reply, "bs", r == 0, msg ? msg : "");
	if (q >= 0)
		q = sd_bus_message_open_container(reply, 'a', "(ssssssss)");
	for (size_t i = 0; q >= 0 && i < rep->n; i++) {
		const struct pvt_result *x = &rep->r[i];

#define S(f) (x->f ? x->f : "")
		q = sd_bus_message_append(reply, "(ssssssss)", S(unit), S(device), S(key),
					  S(path), S(expected), S(actual),
					  pvt_status_name(x->st), S(note));
#undef S
	}
	if (q >= 0)
		q = sd_bus_message_close_container(reply);
	if (q >= 0)
		q = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return q;
}

/* The answer to a Profile, Off or Verify call (@ud: the call, released here). */
static int answer(void *ud, int r, const struct pvt_report *rep)
{
	sd_bus_message *m = ud;
	int q = reply_report(m, r, rep, NULL);

	sd_bus_message_unref(m);
	return q;
}

static int m_list(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct manager *d = userdata;
	struct pvt_strv names = {0};
	sd_bus_message *reply = NULL;
	int r;

	(void)err;
	pvt_profile_list(&d->ctx, &names);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ss)");
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		char *sum = pvt_op_list_summary(&d->ctx, names.v[i]);	/* "(broken: ...)" */

		r = sd_bus_message_append(reply, "(ss)", names.v[i], sum);
		free(sum);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	pvt_strv_free(&names);
	return r;
}

/* Reply with the string @name (freed here; NULL: ""). */
static int reply_name(sd_bus_message *m, char *name)
{
	int r = sd_bus_reply_method_return(m, "s", name ? name : "");

	free(name);
	return r;
}

static int m_active(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	(void)err;
	return reply_name(m, pvt_active_get(&((struct manager *)userdata)->ctx));
}

static int m_recommend(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct pvt_err e;
	char *name = NULL;
	int r = pvt_op_recommend(&((struct manager *)userdata)->ctx, &name, &e);

	return r < 0 ? op_error(err, r, e.msg) : reply_name(m, name);
}

static int m_mode(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	(void)err;
	return reply_name(m, pvt_xstrdup(pvt_mode_auto(&((struct manager *)userdata)->ctx) ?
					 "auto" : "manual"));
}

static void emit_changed(struct manager *d, const char *name, bool ok, const char *msg)
{
	int r = sd_bus_emit_signal(d->bus->bus, PVT_BUS_PATH, PVT_BUS_IFACE, "ProfileChanged", "sbs",
				   name, ok, msg);

	if (r < 0)
		pvt_log(LOG_WARNING, "cannot emit ProfileChanged: %s", strerror(-r));
}

/*
 * After a profile switch or off (@name NULL), once the caller has its
 * answer: each changed item and the outcome to the journal (a line per
 * node, so after the reply, not in the caller's wait), then the
 * ProfileChanged signal.
 */
static void after_change(struct manager *d, const char *name, int r,
			 const struct pvt_report *rep, uint64_t usec)
{
	daemon_log_report(name ? name : "off", rep);
	if (name)
		pvt_log(LOG_INFO, "profile %s applied%s in %.1f ms", name,
			r ? " with failures" : "", (double)usec / 1000.0);
	else
		pvt_log(LOG_INFO, "tuning off, originals restored%s in %.1f ms",
			r ? " with failures" : "", (double)usec / 1000.0);
	emit_changed(d, name ? name : "", r == 0,
		     !r ? "" : name ? "some items failed" : "some originals not restored");
}

/*
 * Profile (@name), AutoProfile (@autop) or Off (neither), once allowed:
 * the guest at once, the VMs before the answer.
 */
static int change(sd_bus_message *m, struct manager *d, const char *name, bool autop)
{
	struct pvt_report rep = {0};
	struct pvt_err e = {{0}};
	char *picked = NULL;
	int r, q;
	uint64_t t0, t1;

	t0 = mono_usec();
	if (autop)
		r = manager_auto_profile(d, &picked, &rep, &e);
	else
		r = name ? manager_profile(d, name, &rep, &e) : manager_off(d, &rep, &e);
	t1 = mono_usec();
	if (autop)
		name = picked ? picked : "(auto)";
	if (r < 0) {
		if (name)
			pvt_log(LOG_ERR, "profile %s not applied: %s", name, e.msg);
		pvt_report_free(&rep);
		free(picked);
		return sd_bus_reply_method_errorf(m, op_error_name(r), "%s", e.msg);
	}
	/* with VMs, the reply waits for their [qemu] or their originals */
	q = manager_answer(d, name ? MANAGER_VM_APPLY : MANAGER_VM_RESTORE, r, &rep, answer,
			   sd_bus_message_ref(m));
	after_change(d, name, r, &rep, t1 - t0);
	pvt_report_free(&rep);
	free(picked);
	return q;
}

/* The polkit action a method that changes anything needs (bus_api.h). */
static const char *action_of(sd_bus_message *m)
{
	if (sd_bus_message_is_method_call(m, NULL, "Off"))
		return PVT_POLKIT_OFF;
	if (sd_bus_message_is_method_call(m, NULL, "AutoProfile"))
		return PVT_POLKIT_AUTO_PROFILE;
	return PVT_POLKIT_PROFILE;
}

/* polkit's answer (or root's at once): the change, or AccessDenied. */
static void on_allowed(sd_bus_message *m, bool ok, const char *why, void *ud)
{
	const char *name = NULL;
	int r;

	if (!ok) {
		pvt_log(LOG_NOTICE, "denied %s from %s: %s", sd_bus_message_get_member(m),
			sd_bus_message_get_sender(m), why);
		r = sd_bus_reply_method_errorf(m, SD_BUS_ERROR_ACCESS_DENIED,
					       "only root, or a user polkit authorizes (%s), may call %s: %s",
					       action_of(m), sd_bus_message_get_member(m), why);
	} else if (sd_bus_message_is_method_call(m, NULL, "Off")) {
		r = change(m, ud, NULL, false);
	} else if (sd_bus_message_is_method_call(m, NULL, "AutoProfile")) {
		r = change(m, ud, NULL, true);
	} else {
		r = sd_bus_message_rewind(m, true);
		if (r >= 0)
			r = sd_bus_message_read(m, "s", &name);
		r = r < 0 ? sd_bus_reply_method_errno(m, r, NULL) : change(m, ud, name, false);
	}
	if (r < 0)
		pvt_log(LOG_WARNING, "cannot answer %s: %s", sd_bus_message_get_member(m),
			strerror(-r));
}

static int check(sd_bus_message *m, struct manager *d, const char *action, sd_bus_error *err)
{
	int r = polkit_check(m, action, on_allowed, d);

	if (r < 0) {
		pvt_log(LOG_NOTICE, "denied %s from %s: %s", sd_bus_message_get_member(m),
			sd_bus_message_get_sender(m), strerror(-r));
		return sd_bus_error_setf(err, SD_BUS_ERROR_ACCESS_DENIED,
					 "only root, or a user polkit authorizes (%s), may call %s: the caller's uid is unknown, or polkit cannot be asked (%s)",
					 action, sd_bus_message_get_member(m), strerror(-r));
	}
	return 1;	/* answered by on_allowed */
}

static int m_profile(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	const char *name;
	int r = sd_bus_message_read(m, "s", &name);

	return r < 0 ? r : check(m, userdata, PVT_POLKIT_PROFILE, err);
}

static int m_auto_profile(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	return check(m, userdata, PVT_POLKIT_AUTO_PROFILE, err);
}

static int m_off(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	return check(m, userdata, PVT_POLKIT_OFF, err);
}

static int m_verify(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct manager *d = userdata;
	struct pvt_report rep = {0};
	struct pvt_err e = {{0}};
	int r = manager_verify(d, &rep, &e);

	if (r < 0) {
		pvt_report_free(&rep);
		return op_error(err, r, e.msg);
	}
	/* with VMs, the reply waits for their verification */
	r = manager_answer(d, MANAGER_VM_VERIFY, r, &rep, answer, sd_bus_message_ref(m));
	pvt_report_free(&rep);
	return r;
}

static int m_info(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct manager *d = userdata;
	sd_bus_message *reply = NULL;
	struct pvt_profile p;
	struct pvt_err e;
	const char *name;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	if (pvt_names_check(name, &e) < 0)
		return op_error(err, -EINVAL, e.msg);
	r = pvt_profile_load(&d->ctx, name, &p, &e);
	if (r < 0)
		return op_error(err, r, e.msg);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "sss", p.name, p.summary, p.description);
	if (r >= 0)
		r = sd_bus_message_append_strv(reply, p.chain.v ? p.chain.v : (char *[]){ NULL });
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(sss)");
	for (size_t i = 0; r >= 0 && i < p.nsec; i++)
		for (size_t k = 0; r >= 0 && k < p.sec[i].nopt; k++)
			r = sd_bus_message_append(reply, "(sss)", p.sec[i].name,
						  p.sec[i].opt[k].key, p.sec[i].opt[k].value);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_message_append_strv(reply, p.files.v ? p.files.v : (char *[]){ NULL });
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	pvt_profile_free(&p);
	return r;
}

static const sd_bus_vtable vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("List", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ss)", profiles),
				m_list, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Active", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", name),
				m_active, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Profile", SD_BUS_ARGS("s", name),
				SD_BUS_RESULT("b", ok, "s", message, "a(ssssssss)", items),
				m_profile, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("AutoProfile", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("b", ok, "s", message, "a(ssssssss)", items),
				m_auto_profile, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ProfileMode", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", mode),
				m_mode, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Off", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("b", ok, "s", message, "a(ssssssss)", items),
				m_off, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Verify", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("b", ok, "s", message, "a(ssssssss)", items),
				m_verify, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Recommend", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", name),
				m_recommend, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ProfileInfo", SD_BUS_ARGS("s", name),
				SD_BUS_RESULT("s", name, "s", summary, "s", description,
					      "as", chain, "a(sss)", options, "as", files),
				m_info, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("ProfileChanged",
				SD_BUS_ARGS("s", name, "b", ok, "s", message), 0),
	SD_BUS_VTABLE_END
};

int daemon_bus_start(struct manager *d, struct pvt_err *e)
{
	struct bus *b = pvt_xcalloc(1, sizeof(*b));
	int r;

	d->bus = b;
	r = sd_bus_open_system(&b->bus);
	if (r < 0)
		return pvt_fail(e, -r, "cannot connect to the system bus: %s", strerror(-r));
	r = sd_bus_add_object_vtable(b->bus, NULL, PVT_BUS_PATH, PVT_BUS_IFACE, vtable, d);
	if (r < 0)
		return pvt_fail(e, -r, "cannot register %s: %s", PVT_BUS_PATH, strerror(-r));
	r = sd_bus_request_name(b->bus, PVT_BUS_NAME, 0);
	if (r < 0)
		return pvt_errf(e, "cannot own %s on the system bus: %s (is another pvtuned running, and is the D-Bus policy installed?)",
				PVT_BUS_NAME, strerror(-r));
	r = sd_bus_attach_event(b->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return pvt_fail(e, -r, "cannot attach the bus to the event loop: %s", strerror(-r));
	return 0;
}

void daemon_bus_stop(struct manager *d)
{
	if (!d->bus)
		return;
	sd_bus_flush_close_unref(d->bus->bus);
	free(d->bus);
	d->bus = NULL;
}
