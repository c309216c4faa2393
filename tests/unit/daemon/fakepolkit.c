/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fakepolkit.c: a stand-in for polkit's authority on the tests' private bus:
 * owns org.freedesktop.PolicyKit1 and answers CheckAuthorization, authorized
 * when the subject's uid (asked from the bus) is in $FAKEPOLKIT_ALLOW (blank-
 * separated uids) for the action in $FAKEPOLKIT_ACTIONS (blank-separated,
 * default any). Each question is logged to stdout: "ACTION uid N -> yes|no".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static int listed(const char *env, const char *word, int empty)
{
	const char *v = getenv(env);
	char buf[1024], *tok, *save;

	if (!v || !*v)
		return empty;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, word))
			return 1;
	return 0;
}

static int check(sd_bus_message *m, void *ud, sd_bus_error *err)
{
	const char *kind, *key, *name = NULL, *action;
	sd_bus_creds *c = NULL;
	uid_t uid = (uid_t)-1;
	char u[32];
	int r, yes;

	(void)ud, (void)err;
	r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
	if (r >= 0)
		r = sd_bus_message_read(m, "s", &kind);
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0 && !strcmp(key, "name"))
			r = sd_bus_message_read(m, "v", "s", &name);
		else if (r >= 0)
			r = sd_bus_message_skip(m, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = sd_bus_message_read(m, "s", &action);
	if (r < 0 || !name)
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS, "bad subject");
	if (sd_bus_get_name_creds(sd_bus_message_get_bus(m), name, SD_BUS_CREDS_EUID, &c) >= 0)
		sd_bus_creds_get_euid(c, &uid);
	sd_bus_creds_unref(c);
	snprintf(u, sizeof(u), "%u", (unsigned)uid);
	yes = listed("FAKEPOLKIT_ALLOW", u, 0) && listed("FAKEPOLKIT_ACTIONS", action, 1);
	printf("%s uid %s -> %s\n", action, u, yes ? "yes" : "no");
	fflush(stdout);
	return sd_bus_reply_method_return(m, "(bba{ss})", yes, 0, 0);
}

static const sd_bus_vtable vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", check,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

int main(void)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);

	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
					     "org.freedesktop.PolicyKit1.Authority", vtable, NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
	if (r < 0) {
		fprintf(stderr, "fakepolkit: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return 1;
		if (r == 0 && sd_bus_wait(bus, (uint64_t)-1) < 0)
			return 1;
	}
}
