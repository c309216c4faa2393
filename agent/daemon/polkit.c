/* SPDX-License-Identifier: GPL-2.0-only */
/* polkit.c: root, or polkit's CheckAuthorization over D-Bus (see polkit.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "polkit.h"
#include "util/util.h"

#define AUTHORITY "org.freedesktop.PolicyKit1"
#define AUTHORITY_PATH "/org/freedesktop/PolicyKit1/Authority"
#define AUTHORITY_IFACE "org.freedesktop.PolicyKit1.Authority"
#define ALLOW_USER_INTERACTION 1u
#define INTERACTIVE_USEC (120ULL * 1000 * 1000)	/* a password typed */

struct check {
	sd_bus_message *m;
	polkit_done_fn done;
	void *ud;
	char *action;
	uid_t uid;
};

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct check *c = userdata;
	const sd_bus_error *err = sd_bus_message_get_error(reply);
	int authorized = 0, challenge = 0, r;
	char *why = NULL;

	(void)ret_error;
	if (err) {
		why = pvt_xasprintf("polkit: %s", err->message ? err->message : err->name);
	} else if ((r = sd_bus_message_enter_container(reply, 'r', "bba{ss}")) < 0 ||
		   (r = sd_bus_message_read(reply, "bb", &authorized, &challenge)) < 0) {
		why = pvt_xasprintf("polkit: malformed answer: %s", strerror(-r));
		authorized = 0;
	} else if (!authorized) {
		why = pvt_xasprintf("polkit: not authorized for %s%s", c->action,
				    challenge ? " (authentication needed: allow interactive authorization)" : "");
	}
	pvt_log(authorized ? LOG_INFO : LOG_NOTICE, "%s from %s (uid %u): %s", c->action,
		sd_bus_message_get_sender(c->m), (unsigned)c->uid,
		authorized ? "authorized by polkit" : why);
	c->done(c->m, authorized, why, c->ud);
	free(why);
	sd_bus_message_unref(c->m);
	free(c->action);
	free(c);
	return 0;
}

int polkit_check(sd_bus_message *m, const char *action, polkit_done_fn done, void *ud)
{
	sd_bus_creds *creds = NULL;
	sd_bus_message *call = NULL;
	sd_bus *bus = sd_bus_message_get_bus(m);
	bool interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
	struct check *c;
	uid_t uid;
	int r;

	/*
	 * From the bus only (no SD_BUS_CREDS_AUGMENT: nothing read from
	 * /proc/PID, which a caller that exits could hand to another process).
	 */
	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &uid);
	sd_bus_creds_unref(creds);
	if (r < 0)
		return r;
	if (uid == 0) {
		done(m, true, NULL, ud);
		return 0;
	}
	r = sd_bus_message_new_method_call(bus, &call, AUTHORITY, AUTHORITY_PATH, AUTHORITY_IFACE,
					   "CheckAuthorization");
	if (r >= 0)	/* the subject: the caller's bus name, which polkit resolves */
		r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s",
					  sd_bus_message_get_sender(m), action);
	if (r >= 0)
		r = sd_bus_message_append(call, "a{ss}us", 0,
					  interactive ? ALLOW_USER_INTERACTION : 0u, "");
	if (r >= 0)
		r = sd_bus_message_set_allow_interactive_authorization(call, interactive);
	if (r < 0) {
		sd_bus_message_unref(call);
		return r;
	}
	c = pvt_xcalloc(1, sizeof(*c));
	*c = (struct check){ .m = sd_bus_message_ref(m), .done = done, .ud = ud,
			     .action = pvt_xstrdup(action), .uid = uid };
	r = sd_bus_call_async(bus, NULL, call, on_reply, c, interactive ? INTERACTIVE_USEC : 0);
	sd_bus_message_unref(call);
	if (r < 0) {
		sd_bus_message_unref(c->m);
		free(c->action);
		free(c);
	}
	return r;
}
