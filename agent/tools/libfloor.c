/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libfloor.c: the memory floor of a daemon built on pvtuned's libraries.
 *
 * It links what pvtuned links (libsystemd, libudev, json-c, iniparser, libc)
 * and sets up what any such daemon sets up, then idles: an sd-event loop, a
 * system bus connection attached to it, a libudev monitor of the block
 * subsystem, one journal line, one INI file parsed and one JSON text parsed,
 * READY=1 to the service manager. It tunes nothing. bench_agent.py reads its
 * RSS in the same guest as pvtuned's: what pvtuned holds beyond it is
 * pvtuned's own.
 *
 *     libfloor INI-FILE      (runs until SIGTERM or SIGINT)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <iniparser.h>
#include <json-c/json.h>
#include <libudev.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

static int on_udev(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct udev_device *d = udev_monitor_receive_device(data);

	(void)s;
	(void)fd;
	(void)revents;
	if (d)
		udev_device_unref(d);
	return 0;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "libfloor: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

int main(int argc, char **argv)
{
	struct udev_monitor *mon = NULL;
	struct json_object *json;
	sd_event *ev = NULL;
	sd_bus *bus = NULL;
	dictionary *ini;
	struct udev *udev;
	sigset_t ss;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: libfloor INI-FILE\n");
		return 2;
	}
	ini = iniparser_load(argv[1]);
	if (!ini)
		return fail(argv[1], EINVAL);
	json = json_tokener_parse("{\"return\": {}}");
	if (!json)
		return fail("json", EINVAL);

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	r = sd_event_default(&ev);
	if (r < 0)
		return fail("sd_event_default", r);
	sd_event_add_signal(ev, NULL, SIGTERM, NULL, NULL);
	sd_event_add_signal(ev, NULL, SIGINT, NULL, NULL);

	r = sd_bus_open_system(&bus);
	if (r < 0)
		return fail("sd_bus_open_system", r);
	r = sd_bus_attach_event(bus, ev, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return fail("sd_bus_attach_event", r);

	udev = udev_new();
	if (udev)
		mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon)
		return fail("udev monitor", errno ? errno : ENOMEM);
	udev_monitor_filter_add_match_subsystem_devtype(mon, "block", NULL);
	r = udev_monitor_enable_receiving(mon);
	if (r < 0)
		return fail("udev_monitor_enable_receiving", r);
	r = sd_event_add_io(ev, NULL, udev_monitor_get_fd(mon), EPOLLIN, on_udev, mon);
	if (r < 0)
		return fail("sd_event_add_io", r);

	sd_journal_print(LOG_INFO, "libfloor: ready");
	sd_notify(0, "READY=1");
	printf("ready\n");
	fflush(stdout);
	r = sd_event_loop(ev);

	udev_monitor_unref(mon);
	udev_unref(udev);
	sd_bus_flush_close_unref(bus);
	sd_event_unref(ev);
	json_object_put(json);
	iniparser_freedict(ini);
	return r < 0 ? fail("sd_event_loop", r) : 0;
}
