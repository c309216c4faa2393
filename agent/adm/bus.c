/* SPDX-License-Identifier: GPL-2.0-only */
/* bus.c: pvtune-adm's D-Bus back end, a client of pvtuned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "adm.h"
#include "ops/bus_api.h"

/* how the bus daemon's own AccessDenied (its policy refused) begins: a rule dump */
static const char bus_policy_denial[] = "Rejected send message";

/*
 * pvtuned's answer to a failed call of @method as -errno (ops.h), the
 * message in @e. AccessDenied comes from pvtuned (polkit's answer) or,
 * before pvtuned sees the call, from the bus daemon's policy
 * (org.pvblk.pvtune1.conf).
 */

static int bus_fail(sd_bus_error *be, int r, struct pvt_err *e, const char *method)
{
	const char *name = be->name ? be->name : "";
	const char *msg = be->message ? be->message : "";

	if (sd_bus_error_has_name(be, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	    sd_bus_error_has_name(be, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
		r = pvt_fail(e, ENOTCONN, "pvtuned is not running (start it with 'systemctl start pvtuned', or use --no-daemon)");
	else if (sd_bus_error_has_name(be, SD_BUS_ERROR_ACCESS_DENIED) &&
		 !strncmp(msg, bus_policy_denial, sizeof(bus_policy_denial) - 1))
		r = pvt_fail(e, EACCES,
			     "access denied by the D-Bus policy (org.pvblk.pvtune1.conf): only root, or a member of group sudo whom polkit authorizes, may call %s",
			     method);
	else if (sd_bus_error_has_name(be, SD_BUS_ERROR_ACCESS_DENIED))
		r = pvt_fail(e, EACCES, "access denied: %s",
			     be->message ? be->message : "only root may do this");
	else if (sd_bus_error_has_name(be, PVT_BUS_ERROR_NOT_FOUND))
		r = pvt_fail(e, ENOENT, "%s", be->message ? be->message : "not found");
	else if (sd_bus_error_has_name(be, PVT_BUS_ERROR_INVALID))
		r = pvt_fail(e, EINVAL, "%s", be->message ? be->message : "invalid profile");
	else if (be->message)
		r = pvt_fail(e, r == -ENOENT || r == -EINVAL ? EIO : -r, "%s", be->message);
	else
		r = pvt_fail(e, r == -ENOENT || r == -EINVAL ? EIO : -r, "D-Bus call failed: %s (%s)",
			     strerror(-r), name);
	sd_bus_error_free(be);
	return r;
}

static int call(sd_bus *bus, const char *method, sd_bus_message **reply, struct pvt_err *e,
		const char *sig, const char *arg)
{
	sd_bus_error be = SD_BUS_ERROR_NULL;
	int r;

	if (sig)
		r = sd_bus_call_method(bus, PVT_BUS_NAME, PVT_BUS_PATH, PVT_BUS_IFACE, method, &be,
				       reply, sig, arg);
	else
		r = sd_bus_call_method(bus, PVT_BUS_NAME, PVT_BUS_PATH, PVT_BUS_IFACE, method, &be,
				       reply, "");
	if (r < 0)
		return bus_fail(&be, r, e, method);
	return 0;
}

static int bad_reply(int r, struct pvt_err *e)
{
	return pvt_fail(e, EPROTO, "malformed reply from pvtuned: %s", strerror(-r));
}

static int read_report(sd_bus_message *m, struct pvt_report *rep, struct pvt_err *e)
{
	int ok, r;
	const char *msg;
	const char *f[8];

	r = sd_bus_message_read(m, "bs", &ok, &msg);
	if (r < 0)
		return bad_reply(r, e);
	r = sd_bus_message_enter_container(m, 'a', "(ssssssss)");
	if (r < 0)
		return bad_reply(r, e);
	while ((r = sd_bus_message_read(m, "(ssssssss)", &f[0], &f[1], &f[2], &f[3], &f[4],
					&f[5], &f[6], &f[7])) > 0) {
		for (int i = 0; i < 8; i++)
			if (!*f[i])
				f[i] = NULL;
		pvt_report_add(rep, f[0], f[1], f[2], f[3], f[4], f[5],
			       pvt_status_from_name(f[6] ? f[6] : ""), f[7]);
	}
	if (r < 0)
		return bad_reply(r, e);
	sd_bus_message_exit_container(m);
	if (*msg)
		pvt_errf(e, "%s", msg);
	else
		e->msg[0] = '\0';
	return ok ? 0 : 1;
}

static int b_list(void *h, struct pvt_strv *names, struct pvt_strv *summaries,
		  struct pvt_err *e)
{
	sd_bus_message *m = NULL;
	const char *n, *s;
	int r;

	r = call(h, "List", &m, e, NULL, NULL);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(ss)");
	while (r >= 0 && (r = sd_bus_message_read(m, "(ss)", &n, &s)) > 0) {
		pvt_strv_push(names, n);
		pvt_strv_push(summaries, s);
	}
	sd_bus_message_unref(m);
	return r < 0 ? bad_reply(r, e) : 0;
}

static int read_string(sd_bus *bus, const char *method, char **out, struct pvt_err *e)
{
	sd_bus_message *m = NULL;
	const char *s;
	int r;

	r = call(bus, method, &m, e, NULL, NULL);
	if (r < 0)
		return r;
	r = sd_bus_message_read(m, "s", &s);
	if (r >= 0)
		*out = *s ? pvt_xstrdup(s) : NULL;
	sd_bus_message_unref(m);
	return r < 0 ? bad_reply(r, e) : 0;
}

static int b_active(void *h, char **name, struct pvt_err *e)
{
	return read_string(h, "Active", name, e);
}

static int b_mode(void *h, char **mode, struct pvt_err *e)
{
	int r = read_string(h, "ProfileMode", mode, e);

	if (r == 0 && !*mode)
		return bad_reply(-EBADMSG, e);
	return r;
}

static int b_recommend(void *h, char **name, struct pvt_err *e)
{
	return read_string(h, "Recommend", name, e);
}

static int report_call(sd_bus *bus, const char *method, const char *arg,
		       struct pvt_report *rep, struct pvt_err *e)
{
	sd_bus_message *m = NULL;
	int r;

	r = call(bus, method, &m, e, arg ? "s" : NULL, arg);
	if (r < 0)
		return r;
	r = read_report(m, rep, e);
	sd_bus_message_unref(m);
	return r;
}

static int b_profile(void *h, const char *names, struct pvt_report *rep, struct pvt_err *e)
{
	return report_call(h, "Profile", names, rep, e);
}

static int b_auto_profile(void *h, struct pvt_report *rep, struct pvt_err *e)
{
	return report_call(h, "AutoProfile", NULL, rep, e);
}

static int b_off(void *h, struct pvt_report *rep, struct pvt_err *e)
{
	return report_call(h, "Off", NULL, rep, e);
}

static int b_verify(void *h, struct pvt_report *rep, struct pvt_err *e)
{
	return report_call(h, "Verify", NULL, rep, e);
}

static int read_strv(sd_bus_message *m, struct pvt_strv *v)
{
	const char *x;
	int r = sd_bus_message_enter_container(m, 'a', "s");

	while (r >= 0 && (r = sd_bus_message_read(m, "s", &x)) > 0)
		pvt_strv_push(v, x);
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

static int b_info(void *h, const char *name, struct adm_info *info, struct pvt_err *e)
{
	sd_bus_message *m = NULL;
	const char *n, *s, *d, *x, *k, *v;
	int r;

	r = call(h, "ProfileInfo", &m, e, "s", name);
	if (r < 0)
		return r;
	r = sd_bus_message_read(m, "sss", &n, &s, &d);
	if (r < 0)
		goto bad;
	info->name = pvt_xstrdup(n);
	info->summary = pvt_xstrdup(s);
	info->description = pvt_xstrdup(d);
	r = read_strv(m, &info->chain);
	if (r < 0)
		goto bad;
	r = sd_bus_message_enter_container(m, 'a', "(sss)");
	while (r >= 0 && (r = sd_bus_message_read(m, "(sss)", &x, &k, &v)) > 0) {
		info->opt = pvt_xrealloc(info->opt, (info->nopt + 1) * sizeof(*info->opt));
		info->opt[info->nopt++] = (struct adm_option){
			.section = pvt_xstrdup(x), .key = pvt_xstrdup(k), .value = pvt_xstrdup(v),
		};
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = read_strv(m, &info->files);
	if (r < 0)
		goto bad;
	sd_bus_message_unref(m);
	return 0;
bad:
	sd_bus_message_unref(m);
	return bad_reply(r, e);
}

static void b_close(void *h)
{
	sd_bus_flush_close_unref(h);
}

static const struct adm_backend bus_ops = {
	.list = b_list, .active = b_active, .mode = b_mode, .profile = b_profile,
	.auto_profile = b_auto_profile, .off = b_off, .verify = b_verify,
	.recommend = b_recommend, .info = b_info, .close = b_close,
};

void *adm_bus_open(const struct adm_backend **ops, int *r, struct pvt_err *e)
{
	sd_bus *bus = NULL;
	int q = sd_bus_open_system(&bus);

	if (q < 0) {
		*r = pvt_fail(e, ENOTCONN, "cannot connect to the system bus: %s (use --no-daemon to work without pvtuned)",
			      strerror(-q));
		return NULL;
	}
	*ops = &bus_ops;
	*r = 0;
	return bus;
}
